from django.contrib import admin
from django.urls import include, path

from nicat.web import views as web_views

handler404 = "nicat.web.views.not_found"
handler500 = "nicat.web.views.server_error"
handler403 = "nicat.web.views.forbidden"
handler400 = "nicat.web.views.bad_request"

urlpatterns = [
    path("healthz", web_views.healthz, name="healthz"),
    path("", include("nicat.ops.urls")),  # /readyz, /metrics
    path("i18n/setlang/", web_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("nicat.api.urls")),
    path("cases/", include("nicat.cases.urls")),
    path("persons/", include("nicat.persons.urls")),
    path("identification/", include("nicat.identification.urls")),
    path("consent/", include("nicat.consent.urls")),
    path("referrals/", include("nicat.referrals.urls")),
    path("assistance/", include("nicat.assistance.urls")),
    path("safety/", include("nicat.safety.urls")),
    path("proceedings/", include("nicat.proceedings.urls")),
    path("work/", include("nicat.work.urls")),
    path("directory/", include("nicat.directory.urls")),
    path("public/", include("nicat.public.urls")),
    path("audit/", include("nicat.audit.urls")),
    path("statistics/", include("nicat.statistics.urls")),
    path("access/", include("nicat.access.urls")),
    path("legal/", include("nicat.legal.urls")),
    path("retention/", include("nicat.retention.urls")),
    path("account/", include("nicat.accounts.urls")),
    path("", include("nicat.hotline.urls")),
    path("", include("nicat.web.urls")),
]
