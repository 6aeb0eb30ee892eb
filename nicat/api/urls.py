from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter

from nicat.accounts.api import ApiTokenViewSet
from nicat.assistance.api import (
    AllowanceViewSet,
    CaseClosureViewSet,
    ClaimViewSet,
    CompensationPaymentViewSet,
    FacilityViewSet,
    FollowUpViewSet,
    GoalViewSet,
    InterpreterViewSet,
    PermitViewSet,
    PlanActionViewSet,
    PlanViewSet,
    ReturnViewSet,
    ReunificationViewSet,
    ServiceDeliveryViewSet,
    StayViewSet,
    WaitingListViewSet,
)
from nicat.cases.api import CaseViewSet
from nicat.consent.api import ConsentViewSet, LegalBasisOrderViewSet, WithdrawalWishViewSet
from nicat.directory.api import InstitutionViewSet
from nicat.exchange.api import HtcdsExchangeView
from nicat.hotline.api import ContactViewSet
from nicat.identification.api import DecisionViewSet, IdentificationViewSet, ScreeningViewSet
from nicat.persons.api import PersonViewSet
from nicat.proceedings.api import (
    AppearanceViewSet,
    CriminalCaseViewSet,
    HearingViewSet,
    PerpetratorViewSet,
    ReleaseRequestViewSet,
)
from nicat.referrals.api import NotificationViewSet, ReferralViewSet
from nicat.retention.api import DataRequestViewSet
from nicat.safety.api import AssessmentViewSet, FamilyContactViewSet, RelativeViewSet, SecurityMeasureViewSet
from nicat.statistics.api import ProceedingsStatisticsView, StatisticsViewSet
from nicat.vocab.api import VocabularyViewSet
from nicat.work.api import ApprovalViewSet, CaseAssignmentView, TaskViewSet

UUID_REGEX = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class Router(DefaultRouter):
    """Records addressed by uuid match only a uuid: anything else is a plain 404 (never a 400 or 500
    from a lookup with a malformed id)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_field", "pk") == "uuid" and not getattr(viewset, "lookup_value_regex", None):
            return f"(?P<{lookup_prefix}uuid>{UUID_REGEX})"
        return super().get_lookup_regex(viewset, lookup_prefix)


@csrf_exempt  # answers nothing but 404: no form to protect
def not_found(request, rest=""):
    """Any other path under /api/v1/ answers as the API does (JSON), not with the HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)


router = Router()
router.register("persons", PersonViewSet, basename="person")
router.register("cases", CaseViewSet, basename="case")
router.register("vocabularies", VocabularyViewSet, basename="vocabulary")
router.register("consents", ConsentViewSet, basename="consent")
router.register("legal-basis-orders", LegalBasisOrderViewSet, basename="legal-basis-order")
router.register("consent-withdrawal-wishes", WithdrawalWishViewSet, basename="consent-withdrawal-wish")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("screenings", ScreeningViewSet, basename="screening")
router.register("identification/cases", IdentificationViewSet, basename="identification")
router.register("identification/decisions", DecisionViewSet, basename="identification-decision")
router.register("facilities", FacilityViewSet, basename="assistance-facility")
router.register("stays", StayViewSet, basename="assistance-stay")
router.register("waiting-list", WaitingListViewSet, basename="assistance-waiting")
router.register("rehabilitation-plans", PlanViewSet, basename="assistance-plan")
router.register("plan-goals", GoalViewSet, basename="assistance-plan-goal")
router.register("plan-actions", PlanActionViewSet, basename="assistance-plan-action")
router.register("services-delivered", ServiceDeliveryViewSet, basename="assistance-service")
router.register("allowance-payments", AllowanceViewSet, basename="assistance-allowance")
router.register("compensation-claims", ClaimViewSet, basename="assistance-compensation")
router.register("compensation-payments", CompensationPaymentViewSet, basename="assistance-compensation-payment")
router.register("residence-permits", PermitViewSet, basename="assistance-permit")
router.register("interpreter-needs", InterpreterViewSet, basename="assistance-interpreter")
router.register("returns", ReturnViewSet, basename="assistance-return")
router.register("family-reunifications", ReunificationViewSet, basename="assistance-reunification")
router.register("follow-ups", FollowUpViewSet, basename="assistance-follow-up")
router.register("tasks", TaskViewSet, basename="task")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("case-closures", CaseClosureViewSet, basename="assistance-case-closure")
router.register("safety-assessments", AssessmentViewSet, basename="safety-assessment")
router.register("security-measures", SecurityMeasureViewSet, basename="security-measure")
router.register("relatives-at-risk", RelativeViewSet, basename="relative-at-risk")
router.register("family-contacts", FamilyContactViewSet, basename="family-contact")
router.register("statistics/cases", StatisticsViewSet, basename="statistics-cases")
router.register("calls", ContactViewSet, basename="call")
router.register("data-requests", DataRequestViewSet, basename="data-request")
router.register("proceedings/perpetrators", PerpetratorViewSet, basename="proceedings-perpetrator")
router.register("proceedings/criminal-cases", CriminalCaseViewSet, basename="proceedings-criminal-case")
router.register("proceedings/hearings", HearingViewSet, basename="proceedings-hearing")
router.register("proceedings/appearances", AppearanceViewSet, basename="proceedings-appearance")
router.register("proceedings/release-requests", ReleaseRequestViewSet, basename="proceedings-release-request")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("exchange/htcds/", HtcdsExchangeView.as_view(), name="exchange-htcds"),
    path("statistics/proceedings/", ProceedingsStatisticsView.as_view(), name="statistics-proceedings-list"),
    path("cases/<uuid:case_uuid>/assignment/", CaseAssignmentView.as_view(), name="case-assignment"),
    path("", include(router.urls)),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found, name="api-not-found"),
]
