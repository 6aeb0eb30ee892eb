from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from nicat.accounts.api import ApiTokenViewSet
from nicat.cases.api import CaseViewSet
from nicat.persons.api import PersonViewSet
from nicat.vocab.api import VocabularyViewSet

router = DefaultRouter()
router.register("persons", PersonViewSet, basename="person")
router.register("cases", CaseViewSet, basename="case")
router.register("vocabularies", VocabularyViewSet, basename="vocabulary")
router.register("consents", __import__("nicat.consent.api", fromlist=["ConsentViewSet"]).ConsentViewSet, basename="consent")
router.register("legal-basis-orders", __import__("nicat.consent.api", fromlist=["x"]).LegalBasisOrderViewSet, basename="legal-basis-order")
router.register("referrals", __import__("nicat.referrals.api", fromlist=["ReferralViewSet"]).ReferralViewSet, basename="referral")
router.register("notifications", __import__("nicat.referrals.api", fromlist=["x"]).NotificationViewSet, basename="notification")
router.register("institutions", __import__("nicat.directory.api", fromlist=["x"]).InstitutionViewSet, basename="institution")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("screenings", __import__("nicat.identification.api", fromlist=["x"]).ScreeningViewSet, basename="screening")
router.register("identification/cases", __import__("nicat.identification.api", fromlist=["x"]).IdentificationViewSet, basename="identification")
router.register("identification/decisions", __import__("nicat.identification.api", fromlist=["x"]).DecisionViewSet, basename="identification-decision")
router.register("facilities", __import__("nicat.assistance.api", fromlist=["x"]).FacilityViewSet, basename="assistance-facility")
router.register("stays", __import__("nicat.assistance.api", fromlist=["x"]).StayViewSet, basename="assistance-stay")
router.register("waiting-list", __import__("nicat.assistance.api", fromlist=["x"]).WaitingListViewSet, basename="assistance-waiting")
router.register("rehabilitation-plans", __import__("nicat.assistance.api", fromlist=["x"]).PlanViewSet, basename="assistance-plan")
router.register("plan-goals", __import__("nicat.assistance.api", fromlist=["x"]).GoalViewSet, basename="assistance-plan-goal")
router.register("plan-actions", __import__("nicat.assistance.api", fromlist=["x"]).PlanActionViewSet, basename="assistance-plan-action")
router.register("services-delivered", __import__("nicat.assistance.api", fromlist=["x"]).ServiceDeliveryViewSet, basename="assistance-service")
router.register("allowance-payments", __import__("nicat.assistance.api", fromlist=["x"]).AllowanceViewSet, basename="assistance-allowance")
router.register("compensation-claims", __import__("nicat.assistance.api", fromlist=["x"]).ClaimViewSet, basename="assistance-compensation")
router.register("residence-permits", __import__("nicat.assistance.api", fromlist=["x"]).PermitViewSet, basename="assistance-permit")
router.register("interpreter-needs", __import__("nicat.assistance.api", fromlist=["x"]).InterpreterViewSet, basename="assistance-interpreter")
router.register("returns", __import__("nicat.assistance.api", fromlist=["x"]).ReturnViewSet, basename="assistance-return")
router.register("family-reunifications", __import__("nicat.assistance.api", fromlist=["x"]).ReunificationViewSet, basename="assistance-reunification")
router.register("follow-ups", __import__("nicat.assistance.api", fromlist=["x"]).FollowUpViewSet, basename="assistance-follow-up")
router.register("case-closures", __import__("nicat.assistance.api", fromlist=["x"]).CaseClosureViewSet, basename="assistance-case-closure")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
