from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from nicat.cases.api import CaseViewSet
from nicat.persons.api import PersonViewSet
from nicat.vocab.api import VocabularyViewSet

router = DefaultRouter()
router.register("persons", PersonViewSet, basename="person")
router.register("cases", CaseViewSet, basename="case")
router.register("vocabularies", VocabularyViewSet, basename="vocabulary")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
