"""Layout pages: sign-in, dashboard, health check and error pages (which never show case data)."""
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nicat.access import policy
from nicat.cases.models import CaseStatus
from nicat.cases.selectors import case_list


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


class NicatLoginView(LoginView):
    """Step one of signing in (the password). Step two, the code from the authenticator app (or
    enrolling one at the first sign-in), follows before any other page: see nicat.accounts."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        from urllib.parse import urlencode

        from django.urls import reverse

        from nicat.accounts.services import has_authenticator, requires_second_factor

        url = super().get_success_url()
        user = self.request.user
        verified = user.is_verified() if hasattr(user, "is_verified") else False
        if requires_second_factor() and not verified:
            step = "accounts:2fa_verify" if has_authenticator(user) else "accounts:2fa_setup"
            return reverse(step) + "?" + urlencode({"next": url})
        return url


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("web:login")


def dashboard(request):
    """The signed-in user's dashboard; an anonymous visitor of `/` lands on the public site instead."""
    if not request.user.is_authenticated:
        return redirect("public:home")
    context = {}
    if policy.can_work_on_cases(request.user):
        mine = case_list(user=request.user)
        context["open_count"] = mine.filter(status=CaseStatus.ACTIVE).count()
        context["followup_count"] = mine.filter(status=CaseStatus.FOLLOW_UP).count()
        context["recent_cases"] = mine[:10]
    return render(request, "web/dashboard.html", context)


def not_found(request, exception=None):
    return render(request, "web/error.html", {"title": _("Not found"), "message": _(
        "This page does not exist, or you do not have access to it.")}, status=404)


def forbidden(request, exception=None):
    message = getattr(exception, "user_message", None) or _(
        "Your role does not allow this. Ask your supervisor if you need access.")
    return render(request, "web/error.html", {"title": _("Not allowed"), "message": message}, status=403)


def bad_request(request, exception=None):
    return render(request, "web/error.html", {"title": _("Bad request"), "message": _(
        "The request could not be understood. Go back and try again.")}, status=400)


def server_error(request):
    return render(request, "web/error.html", {"title": _("Something went wrong"), "message": _(
        "The error has been logged with its request number. Nothing was saved half-way; try again, and tell "
        "your administrator if it happens again.")}, status=500)
