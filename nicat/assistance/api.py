"""REST API of protection and rehabilitation (/api/v1/…): facilities and occupancy, stays, the waiting
list, rehabilitation plans with goals, actions and reviews, services delivered, allowance payments,
compensation claims, residence permits, interpreter needs, returns, family reunification, follow-ups,
and case closure. Every change goes through the services (access, validation, audit); every read of
case data is scoped by the access policy and audited.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.assistance import charts, selectors, services
from nicat.assistance.models import (
    SERVICE_KINDS,
    ActionStatus,
    AllowanceKind,
    AllowancePayment,
    Area,
    CompensationClaim,
    CompensationPayment,
    CompensationSource,
    DocumentsStatus,
    EndKind,
    Facility,
    FamilyReunification,
    FollowUp,
    GoalStatus,
    Group,
    InterpreterNeed,
    PaymentSource,
    PermitStatus,
    PlanAction,
    PlanGoal,
    PlanReview,
    RehabilitationPlan,
    ResidencePermit,
    ReturnDirection,
    ReturnPlan,
    ReunificationStatus,
    RiskLevel,
    ServiceDelivery,
    Stay,
    WaitingListEntry,
)
from nicat.assistance.services._common import (
    CLOSE_ROLES,
    MEDICAL_KINDS,
    PAYMENT_ROLES,
    PLAN_ROLES,
    RETURN_ROLES,
    SERVICE_ROLES,
    SHELTER_ROLES,
    acting_institution,
    section_visible,
)
from nicat.assistance.services.shelters import is_facility_staff
from nicat.cases.fields import VisibleCaseField
from nicat.cases.models import Case, CaseStatus, ClosureReason
from nicat.core.drf import RefuseUnknownFieldsMixin, for_the_list, grouped, known_for_the_list
from nicat.core.services import expected_version
from nicat.core.viewsets import AuditedViewSet, IdempotentPosts, ListFilter, uuid_param
from nicat.directory.models import Institution
from nicat.vocab.fields import TermField

FEE_WORDS = ("price", "fee", "cost", "charge", "tariff", "amount")


def _institution_field(**kwargs):
    return serializers.SlugRelatedField(slug_field="uuid", queryset=Institution.objects.filter(active=True),
                                        **kwargs)


def _health_hidden(context, obj, kind):
    """Medical and psychological details are the case's "medical" section: hidden from other roles."""
    request = context.get("request")
    return (kind in MEDICAL_KINDS and request is not None
            and not section_visible(request.user, obj.case, "medical"))


def _version(data):
    return expected_version(data.get("version"))  # the one version check (400 on "version")


# --- serializers (reads; writes validate with the same fields, the services decide) ---------------------


class OccupancyRowSerializer(serializers.Serializer):
    group = serializers.CharField()
    beds = serializers.IntegerField()
    occupied = serializers.IntegerField()
    free = serializers.IntegerField()


class FacilitySerializer(serializers.ModelSerializer):
    institution = serializers.UUIDField(source="institution.uuid", read_only=True)
    name = serializers.CharField(source="institution.name", read_only=True)
    occupancy = serializers.SerializerMethodField()

    class Meta:
        model = Facility
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "institution", "name", "kind", "active", "occupancy"]

    def get_occupancy(self, obj) -> list[dict]:
        rows, total = for_the_list(self, obj, "occupancy", selectors.occupancy_of)  # one read for the whole list
        return OccupancyRowSerializer(rows + [total], many=True).data


class StaySerializer(serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("The case of the person admitted."))
    facility = serializers.SlugRelatedField(slug_field="uuid", queryset=Facility.objects.filter(active=True))
    group = serializers.ChoiceField(choices=Group.choices)
    admitted_at = serializers.DateTimeField(required=False)
    end_note = serializers.CharField(read_only=True)

    class Meta:
        model = Stay
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "facility", "group", "admitted_at", "planned_end", "extensions", "ended_at",
                  "end_kind", "end_note", "version"]
        read_only_fields = ["uuid", "planned_end", "extensions", "ended_at", "end_kind", "version"]


class WaitingSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    facility = serializers.SlugRelatedField(slug_field="uuid", queryset=Facility.objects.filter(active=True))
    group = serializers.ChoiceField(choices=Group.choices)
    note = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = WaitingListEntry
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "facility", "group", "urgent", "note", "status", "requested_at", "version"]
        read_only_fields = ["uuid", "status", "requested_at", "version"]


class ActionSerializer(serializers.ModelSerializer):
    responsible_institution = _institution_field()
    description = serializers.CharField()
    outcome = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)

    class Meta:
        model = PlanAction
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "description", "responsible_institution", "due_on", "status", "outcome", "version"]
        read_only_fields = ["uuid", "version"]


def _actions_of(user, goals):
    """{goal pk: [its actions user may see]} for many goals, in one query."""
    if not goals:
        return {}
    return grouped(PlanAction.objects.visible_to(user).filter(goal__in=goals).select_related("responsible_institution"),
                   "goal_id")


class GoalSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    area = serializers.ChoiceField(choices=Area.choices)
    description = serializers.CharField()
    responsible_institution = _institution_field()
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    outcome = serializers.CharField(required=False, allow_blank=True)
    actions = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False)

    class Meta:
        model = PlanGoal
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "plan", "area", "description", "responsible_institution", "due_on", "status", "outcome",
                  "declined_at", "actions", "version"]
        read_only_fields = ["uuid", "declined_at"]

    def get_actions(self, obj) -> list[dict]:
        # the actions of every goal of the list in one query (for_the_list), not one per goal
        user = self.context["request"].user
        return ActionSerializer(for_the_list(self, obj, "actions", lambda goals: _actions_of(user, goals)),
                                many=True).data

    schema_nullable_fields = ("description", "outcome")  # null where the medical section is hidden

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if _health_hidden(self.context, obj, obj.area):
            data["description"] = data["outcome"] = None
            for a in data["actions"]:
                a["description"] = a["outcome"] = None
        return data


class ReviewSerializer(serializers.ModelSerializer):
    summary = serializers.CharField()
    reviewed_on = serializers.DateField(required=False)
    next_review_on = serializers.DateField(required=False, write_only=True)

    class Meta:
        model = PlanReview
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "reviewed_on", "summary", "is_final", "next_review_on", "created_at"]
        read_only_fields = ["uuid", "created_at"]


class PlanSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    institution = serializers.UUIDField(source="institution.uuid", read_only=True)
    agreement_note = serializers.CharField(read_only=True)
    goals = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()

    class Meta:
        model = RehabilitationPlan
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "status", "institution", "agreed_at", "agreement_note", "next_review_on", "goals",
                  "reviews", "version", "created_at"]
        read_only_fields = ["uuid", "status", "agreed_at", "version", "created_at"]

    def get_goals(self, obj) -> list[dict]:
        # the goals of every plan of the list in one query, and all their actions in one more (for_the_list)
        user = self.context["request"].user

        def goals_of(plans):
            goals = list(PlanGoal.objects.visible_to(user).filter(plan__in=plans)
                         .select_related("plan", "case", "responsible_institution"))
            actions = _actions_of(user, goals)
            known_for_the_list(self, "actions", {goal.pk: actions.get(goal.pk, []) for goal in goals})
            return grouped(goals, "plan_id")

        return GoalSerializer(for_the_list(self, obj, "goals", goals_of), many=True, context=self.context).data

    def get_reviews(self, obj) -> list[dict]:
        user = self.context["request"].user
        return ReviewSerializer(for_the_list(self, obj, "reviews", lambda plans: grouped(
            PlanReview.objects.visible_to(user).filter(plan__in=plans), "plan_id")), many=True).data


class ServiceSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    kind = serializers.ChoiceField(choices=SERVICE_KINDS)
    provider = _institution_field()
    description = serializers.CharField(required=False, allow_blank=True)
    staff_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    goal = serializers.SlugRelatedField(slug_field="uuid", queryset=PlanGoal.objects.none(), required=False,
                                        allow_null=True)

    class Meta:
        model = ServiceDelivery
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "kind", "description", "provider", "staff_name", "delivered_at",
                  "duration_minutes", "goal", "created_at"]
        read_only_fields = ["uuid", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["goal"].queryset = PlanGoal.objects.visible_to(request.user)

    def to_internal_value(self, data):
        fee = [k for k in getattr(data, "keys", lambda: [])() if any(w in str(k).lower() for w in FEE_WORDS)]
        if fee:
            raise ValidationError({fee[0]: [_("Every service to a victim is free of charge: a service has no price, "
                                              "fee or cost. Remove this field.")]})
        return super().to_internal_value(data)

    schema_nullable_fields = ("description", "staff_name")  # null where the medical section is hidden

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if _health_hidden(self.context, obj, obj.kind):
            data["description"] = data["staff_name"] = None
        return data


class AllowanceSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    kind = serializers.ChoiceField(choices=AllowanceKind.choices)
    source = serializers.ChoiceField(choices=PaymentSource.choices)
    period = serializers.CharField(required=False, allow_blank=True)
    payment_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)

    class Meta:
        model = AllowancePayment
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "kind", "period", "amount", "currency", "paid_on", "source", "rule_year",
                  "payment_reference", "created_at", "status", "reversed_at", "version"]
        read_only_fields = ["uuid", "amount", "currency", "rule_year", "created_at", "status", "reversed_at",
                            "version"]


class ReversalSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The version of the payment you read (optimistic lock).")
    reason = serializers.CharField(max_length=2000, help_text="Why the payment is reversed (kept, sealed).")


class ClaimSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    claimed_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    proceedings_reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    court = serializers.CharField(required=False, allow_blank=True, max_length=255)
    note = serializers.CharField(required=False, allow_blank=True)
    stage = serializers.CharField(read_only=True)

    class Meta:
        model = CompensationClaim
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "proceedings_reference", "court", "claimed_amount", "claimed_on", "awarded_amount",
                  "awarded_on", "paid_amount", "last_paid_on", "paid_from", "currency", "note", "stage", "version"]
        read_only_fields = ["uuid", "awarded_amount", "awarded_on", "paid_amount", "last_paid_on", "paid_from",
                            "currency", "version"]


class AwardSerializer(serializers.Serializer):
    awarded_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    awarded_on = serializers.DateField()
    version = serializers.IntegerField()


class CompensationPaymentSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    paid_on = serializers.DateField()
    paid_from = serializers.ChoiceField(choices=CompensationSource.choices)
    version = serializers.IntegerField()


class CompensationPaymentRecordSerializer(serializers.ModelSerializer):
    """One payment towards a claim's award, as recorded (read only: recorded through the claim's `payment` action,
    reversed through `reverse`)."""

    claim = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    case = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    carried_over = serializers.BooleanField(read_only=True, help_text=(
        "True for the one row standing for the payments recorded before payments were kept one by one, as one "
        "total (dated the last of them)."))

    class Meta:
        model = CompensationPayment
        fields = ["uuid", "claim", "case", "amount", "currency", "paid_on", "paid_from", "created_at",
                  "carried_over", "status", "reversed_at", "version"]
        read_only_fields = fields


class PermitSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    status = serializers.ChoiceField(choices=PermitStatus.choices, required=False)
    permit_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)
    reflection_period_ends = serializers.DateField(read_only=True, help_text=_(
        "The end of the recovery and reflection period: the first contact plus the period in force then."))

    class Meta:
        model = ResidencePermit
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "status", "reflection_period_ends", "applied_on", "decided_on", "expires_on",
                  "permit_number", "note", "version"]
        read_only_fields = ["uuid", "reflection_period_ends"]


class InterpreterSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    language = TermField("language")
    note = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = InterpreterNeed
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "language", "same_gender_preferred", "note"]
        read_only_fields = ["uuid"]


class ReturnSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    direction = serializers.ChoiceField(choices=ReturnDirection.choices)
    country = TermField("country")
    receiving_organisation = _institution_field(required=False, allow_null=True)
    consulate = _institution_field(required=False, allow_null=True)
    receiving_organisation_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    risk_notes = serializers.CharField(required=False, allow_blank=True)
    documents_status = serializers.ChoiceField(choices=DocumentsStatus.choices, required=False)
    documents_notes = serializers.CharField(required=False, allow_blank=True)
    travel_notes = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = ReturnPlan
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "direction", "country", "status", "risk_level", "risk_assessed_on", "risk_notes",
                  "documents_status", "documents_notes", "travel_date", "travel_notes", "receiving_organisation",
                  "receiving_organisation_name", "consulate", "completed_on", "version"]
        read_only_fields = ["uuid", "status", "risk_assessed_on", "completed_on"]


class ReunificationSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    country = TermField("country", required=False, allow_null=True)
    family_member = serializers.CharField(max_length=255)
    status = serializers.ChoiceField(choices=ReunificationStatus.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False)

    class Meta:
        model = FamilyReunification
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "family_member", "country", "status", "note", "version"]
        read_only_fields = ["uuid"]


class FollowUpSerializer(serializers.ModelSerializer):
    case = VisibleCaseField()
    return_plan = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    outcome = serializers.CharField(read_only=True)

    class Meta:
        model = FollowUp
        validators = []  # the services validate (uniqueness included)
        fields = ["uuid", "case", "return_plan", "due_on", "done_on", "outcome"]
        read_only_fields = ["uuid", "done_on"]


class FollowUpRecordSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    outcome = serializers.CharField()


class DischargeBodySerializer(serializers.Serializer):
    end_kind = serializers.ChoiceField(choices=[c for c in EndKind.choices if c[0] != EndKind.TRANSFERRED])
    note = serializers.CharField(required=False, allow_blank=True)
    ended_at = serializers.DateTimeField(required=False)
    version = serializers.IntegerField()


class ExtendBodySerializer(serializers.Serializer):
    reason = serializers.CharField()
    version = serializers.IntegerField()


class TransferBodySerializer(serializers.Serializer):
    to_facility = serializers.SlugRelatedField(slug_field="uuid", queryset=Facility.objects.filter(active=True))
    group = serializers.ChoiceField(choices=Group.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


class NoteBodySerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


class AgreementBodySerializer(serializers.Serializer):
    declined_goals = serializers.ListField(child=serializers.UUIDField(), required=False, default=list,
                                           help_text=_("The goals the person declines (their ids)."))
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


class CompleteReturnBodySerializer(serializers.Serializer):
    completed_on = serializers.DateField()
    version = serializers.IntegerField()


def _body(serializer_class, request):
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return s.validated_data


class ClosureSerializer(serializers.Serializer):
    case = VisibleCaseField()
    status = serializers.ChoiceField(choices=[CaseStatus.CLOSED, CaseStatus.CLOSED_REFERRED], default="Closed")
    closure_reason = serializers.ChoiceField(choices=ClosureReason.choices)
    version = serializers.IntegerField()


# --- answers of actions (schema only) -------------------------------------------------------------------

OCCUPANCY_HISTORY = inline_serializer("OccupancyHistory", {
    "days": serializers.ListField(child=serializers.DateField()),
    "series": serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()),
                                    help_text=_("Occupied beds per day, by group.")),
    "beds": serializers.DictField(child=serializers.IntegerField(), help_text=_("Beds by group.")),
    "chart": serializers.ListField(child=serializers.DictField()),
})
FACILITY_ADDRESS = inline_serializer("FacilityAddress", {"address": serializers.CharField(),
                                                         "phone": serializers.CharField()})


class ClosedCaseSerializer(serializers.ModelSerializer):
    """The answer of a closure: the case, its status and reason, its new version (what a retry with the same
    Idempotency-Key answers again, read anew)."""

    case = serializers.UUIDField(source="uuid", read_only=True)
    status = serializers.CharField(read_only=True)
    closure_reason = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Case
        fields = ["case", "status", "closure_reason", "version"]


# --- viewsets -----------------------------------------------------------------------------------------


class FacilityViewSet(viewsets.ReadOnlyModelViewSet):
    """Shelters and assistance centres with their occupancy now (counts only; the address is confidential)."""

    serializer_class = FacilitySerializer
    lookup_field = "uuid"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Facility.objects.none()
        if not selectors.may_see_facilities(self.request.user):
            raise PermissionDenied
        return Facility.objects.filter(active=True).select_related("institution").order_by("institution__name_az")

    @extend_schema(responses=OCCUPANCY_HISTORY)
    @action(detail=True, methods=["get"])
    def occupancy(self, request, uuid=None):
        """Daily occupancy per group over the configured period (counts only)."""
        facility = self.get_object()
        history = selectors.occupancy_history(facility)
        return Response({"days": [d.isoformat() for d in history["days"]], "series": history["series"],
                         "beds": history["beds"], "chart": charts.occupancy_chart(history)["lines"]})

    @extend_schema(responses=FACILITY_ADDRESS)
    @action(detail=True, methods=["get"])
    def address(self, request, uuid=None):
        """The confidential address: the facility's own staff and identification officers; audited."""
        return Response(services.read_address(actor=request.user, facility=self.get_object()))


class CaseScopedViewSet(AuditedViewSet):
    """Lists and reads of case data through the app's selectors (nicat.core.viewsets: scoped by the
    access policy, `?case=<uuid>` to filter, section gate, audited); changes through the services."""

    write_roles = frozenset()  # roles that may change anything here (checked before any lookup)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD", "OPTIONS") and self.write_roles:
            acting_institution(request.user, self.write_roles)

    def _created(self, obj):
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def _ok(self, obj):
        obj.refresh_from_db()
        return self.answer(obj)


class StayViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    """Stays in shelters. POST admits (staff of the facility; consent and capacity checked)."""

    serializer_class = StaySerializer
    reads = selectors.STAYS
    write_roles = SHELTER_ROLES

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.admit(actor=self.request.user, facility=d["facility"], case=d["case"],
                                             group=d["group"], admitted_at=d.get("admitted_at"))

    def _staff_stay(self):
        stay = self.get_object()
        if not is_facility_staff(self.request.user, stay.facility):
            raise PermissionDenied(_("Only the staff of %(facility)s can do this.") % {"facility": stay.facility})
        return stay

    @extend_schema(request=DischargeBodySerializer, responses=StaySerializer)
    @action(detail=True, methods=["post"], serializer_class=DischargeBodySerializer)
    def discharge(self, request, uuid=None):
        stay = self._staff_stay()
        d = _body(DischargeBodySerializer, request)
        services.discharge(actor=request.user, stay=stay, end_kind=d["end_kind"], note=d.get("note", ""),
                           ended_at=d.get("ended_at"), expected_version=d["version"])
        return Response(StaySerializer(stay, context=self.get_serializer_context()).data)

    @extend_schema(request=ExtendBodySerializer, responses=StaySerializer)
    @action(detail=True, methods=["post"], serializer_class=ExtendBodySerializer)
    def extend(self, request, uuid=None):
        stay = self._staff_stay()
        d = _body(ExtendBodySerializer, request)
        services.extend_stay(actor=request.user, stay=stay, reason=d["reason"], expected_version=d["version"])
        return Response(StaySerializer(stay, context=self.get_serializer_context()).data)

    @extend_schema(request=TransferBodySerializer, responses={201: StaySerializer})
    @action(detail=True, methods=["post"], serializer_class=TransferBodySerializer)
    def transfer(self, request, uuid=None):
        """Answers with the new stay."""
        stay = self._staff_stay()
        d = _body(TransferBodySerializer, request)
        new = services.transfer(actor=request.user, stay=stay, to_facility=d["to_facility"], group=d["group"],
                                note=d.get("note", ""), expected_version=d["version"])
        return Response(StaySerializer(new, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class WaitingListViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    serializer_class = WaitingSerializer
    reads = selectors.WAITING
    write_roles = SHELTER_ROLES

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.add_to_waiting_list(actor=self.request.user, facility=d["facility"],
                                                           case=d["case"], group=d["group"],
                                                           urgent=d.get("urgent", False), note=d.get("note", ""))

    @extend_schema(request=NoteBodySerializer, responses=WaitingSerializer)
    @action(detail=True, methods=["post"], serializer_class=NoteBodySerializer)
    def withdraw(self, request, uuid=None):
        entry = self.get_object()
        if not is_facility_staff(request.user, entry.facility):
            raise PermissionDenied(_("Only the staff of %(facility)s can do this.") % {"facility": entry.facility})
        d = _body(NoteBodySerializer, request)
        services.withdraw_from_waiting_list(actor=request.user, entry=entry, note=d.get("note", ""),
                                            expected_version=d["version"])
        return Response(WaitingSerializer(entry, context=self.get_serializer_context()).data)


class PlanViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    """Individual social rehabilitation plans (one per case), with goals, actions and reviews."""

    serializer_class = PlanSerializer
    reads = selectors.PLANS
    write_roles = PLAN_ROLES

    def perform_create(self, serializer):
        serializer.instance = services.create_plan(actor=self.request.user, case=serializer.validated_data["case"],
                                                   next_review_on=serializer.validated_data.get("next_review_on"))

    @extend_schema(request=GoalSerializer, responses={201: GoalSerializer})
    @action(detail=True, methods=["post"], serializer_class=GoalSerializer)
    def goals(self, request, uuid=None):
        plan = self.get_object()
        s = GoalSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        goal = services.add_goal(actor=request.user, plan=plan, area=d["area"], description=d["description"],
                                 responsible_institution=d["responsible_institution"], due_on=d.get("due_on"))
        return Response(GoalSerializer(goal, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=AgreementBodySerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"], serializer_class=AgreementBodySerializer)
    def agreement(self, request, uuid=None):
        """The person's agreement: the goals they decline are recorded as declined."""
        plan = self.get_object()
        d = _body(AgreementBodySerializer, request)
        wanted = set(d["declined_goals"])
        goals = list(PlanGoal.objects.visible_to(request.user).filter(plan=plan, uuid__in=wanted))
        if len(goals) != len(wanted):
            raise ValidationError({"declined_goals": [_("A declined goal does not belong to this plan.")]})
        services.record_agreement(actor=request.user, plan=plan, declined_goals=goals, note=d.get("note", ""),
                                  expected_version=d["version"])
        return self._ok(plan)

    @extend_schema(request=ReviewSerializer, responses={201: ReviewSerializer})
    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def reviews(self, request, uuid=None):
        plan = self.get_object()
        s = ReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        review = services.add_review(actor=request.user, plan=plan, **s.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class GoalViewSet(mixins.UpdateModelMixin, CaseScopedViewSet):
    """Goals of plans. PATCH status/outcome/due_on/responsible_institution with the version you read."""

    serializer_class = GoalSerializer
    reads = selectors.GOALS
    write_roles = PLAN_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = _version(data)
        data.pop("version", None)
        data.pop("area", None)
        serializer.instance = services.update_goal(actor=self.request.user, goal=serializer.instance, data=data,
                                                   expected_version=version)

    @extend_schema(request=NoteBodySerializer, responses=GoalSerializer)
    @action(detail=True, methods=["post"], serializer_class=NoteBodySerializer)
    def decline(self, request, uuid=None):
        """The person declines this goal."""
        goal = self.get_object()
        d = _body(NoteBodySerializer, request)
        services.decline_goal(actor=request.user, goal=goal, note=d.get("note", ""), expected_version=d["version"])
        return self._ok(goal)

    @extend_schema(request=ActionSerializer, responses={201: ActionSerializer})
    @action(detail=True, methods=["post"], serializer_class=ActionSerializer)
    def actions(self, request, uuid=None):
        goal = self.get_object()
        s = ActionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        item = services.add_action(actor=request.user, goal=goal, description=d["description"],
                                   responsible_institution=d["responsible_institution"], due_on=d.get("due_on"))
        return Response(ActionSerializer(item).data, status=status.HTTP_201_CREATED)


class PlanActionViewSet(mixins.UpdateModelMixin, CaseScopedViewSet):
    serializer_class = ActionSerializer
    reads = selectors.ACTIONS
    write_roles = PLAN_ROLES
    http_method_names = ["get", "patch", "head", "options"]

    def perform_update(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.update_action(
            actor=self.request.user, action=serializer.instance, status=d.get("status", serializer.instance.status),
            outcome=d.get("outcome", ""), expected_version=_version(self.request.data))


class ServiceDeliveryViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    """The log of services delivered (free of charge; authorised providers only)."""

    serializer_class = ServiceSerializer
    reads = selectors.SERVICES
    write_roles = SERVICE_ROLES

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        case = d.pop("case")
        serializer.instance = services.record_service(actor=self.request.user, case=case, **d)


class AllowanceViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    """State allowance payments: the amount comes from the rules; paid once."""

    serializer_class = AllowanceSerializer
    reads = selectors.ALLOWANCES
    write_roles = PAYMENT_ROLES

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        case = d.pop("case")
        serializer.instance = services.pay_allowance(actor=self.request.user, case=case, **d)

    @extend_schema(request=ReversalSerializer, responses=AllowanceSerializer,
                   description="Reverse a payment recorded by mistake (never deleted: marked reversed, with the "
                               "reason; it no longer counts as paid, so the correct payment can be recorded). Only a "
                               "supervisor of the institution that recorded it, or of the case's owner once that "
                               "institution no longer works on the case (403 names whom to ask). 409 on a stale "
                               "version.")
    @action(detail=True, methods=["post"], serializer_class=ReversalSerializer)
    def reverse(self, request, uuid=None):
        return _reverse_payment(self, services.reverse_allowance, AllowanceSerializer)


class ClaimViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    serializer_class = ClaimSerializer
    reads = selectors.CLAIMS
    write_roles = PAYMENT_ROLES

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        case = d.pop("case")
        serializer.instance = services.open_claim(actor=self.request.user, case=case, **d)

    @extend_schema(request=AwardSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], serializer_class=AwardSerializer)
    def award(self, request, uuid=None):
        claim = self.get_object()
        s = AwardSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.record_award(actor=request.user, claim=claim, awarded_amount=s.validated_data["awarded_amount"],
                              awarded_on=s.validated_data["awarded_on"], expected_version=s.validated_data["version"])
        return Response(ClaimSerializer(claim, context=self.get_serializer_context()).data)

    @extend_schema(request=CompensationPaymentSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], serializer_class=CompensationPaymentSerializer)
    def payment(self, request, uuid=None):
        claim = self.get_object()
        s = CompensationPaymentSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.record_compensation_payment(actor=request.user, claim=claim, amount=s.validated_data["amount"],
                                             paid_on=s.validated_data["paid_on"],
                                             paid_from=s.validated_data["paid_from"],
                                             expected_version=s.validated_data["version"])
        return Response(ClaimSerializer(claim, context=self.get_serializer_context()).data)


CLAIM_PARAMETER = ListFilter("claim", OpenApiTypes.UUID, description="Only the payments of this compensation claim (its uuid).")


@extend_schema_view(list=extend_schema(parameters=[CLAIM_PARAMETER]))
class CompensationPaymentViewSet(CaseScopedViewSet):
    """The payments towards compensation claims, one by one (reversed ones too, marked). A payment is recorded
    through its claim (`POST /compensation-claims/<uuid>/payment/`)."""

    serializer_class = CompensationPaymentRecordSerializer
    reads = selectors.COMPENSATION_PAYMENTS
    write_roles = PAYMENT_ROLES

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        claim = uuid_param(self.request, "claim", _("Give the compensation claim's id (a UUID)."))
        return queryset.filter(claim__uuid=claim) if claim else queryset

    @extend_schema(request=ReversalSerializer, responses=CompensationPaymentRecordSerializer,
                   description="Reverse a compensation payment recorded by mistake (never deleted: marked reversed, "
                               "with the reason; the claim's total paid no longer counts it, so the correct payment "
                               "can be recorded). Only a supervisor of the institution that recorded it, or of the "
                               "case's owner once that institution no longer works on the case (403 names whom to "
                               "ask). 409 on a stale version.")
    @action(detail=True, methods=["post"], serializer_class=ReversalSerializer)
    def reverse(self, request, uuid=None):
        return _reverse_payment(self, services.reverse_compensation_payment, CompensationPaymentRecordSerializer)


def _reverse_payment(view, reverse, answer_serializer):
    """The `reverse` action of a payment (allowance or compensation): the payment the caller may see, the reverser
    rule told before the body is read, then `reverse(actor, payment, reason, expected_version)`."""
    payment = view.get_object()
    services.require_reverser(view.request.user, payment)  # who may not is told so before their input is read
    s = ReversalSerializer(data=view.request.data)
    s.is_valid(raise_exception=True)
    reverse(actor=view.request.user, payment=payment, reason=s.validated_data["reason"],
            expected_version=s.validated_data["version"])
    return Response(answer_serializer(payment, context=view.get_serializer_context()).data)


class PermitViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, CaseScopedViewSet):
    serializer_class = PermitSerializer
    reads = selectors.PERMITS
    write_roles = RETURN_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        # Everything the page accepts is accepted here, in one transaction (no field silently dropped).
        d = dict(serializer.validated_data)
        case, note = d.pop("case"), d.pop("note", "")
        d.pop("version", None)
        with transaction.atomic():
            permit = services.open_residence_permit(actor=self.request.user, case=case, note=note)
            if d:
                permit = services.update_residence_permit(actor=self.request.user, permit=permit, data=d,
                                                          expected_version=permit.version)
        serializer.instance = permit

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = _version(data)
        data.pop("version", None)
        data.pop("case", None)
        serializer.instance = services.update_residence_permit(actor=self.request.user, permit=serializer.instance,
                                                               data=data, expected_version=version)


class InterpreterViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, CaseScopedViewSet):
    serializer_class = InterpreterSerializer
    reads = selectors.INTERPRETERS
    write_roles = SERVICE_ROLES

    def perform_create(self, serializer):
        d = dict(serializer.validated_data)
        case = d.pop("case")
        serializer.instance = services.add_interpreter_need(actor=self.request.user, case=case, **d)

    def perform_destroy(self, instance):
        services.remove_interpreter_need(actor=self.request.user, need=instance)


class ReturnViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, CaseScopedViewSet):
    """Voluntary return of foreign victims and reception of citizens returned from abroad."""

    serializer_class = ReturnSerializer
    reads = selectors.RETURNS
    write_roles = RETURN_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        # Risk, documents and travel given with the plan are saved with it, in one transaction.
        d = dict(serializer.validated_data)
        d.pop("version", None)
        with transaction.atomic():
            plan = services.plan_return(
                actor=self.request.user, case=d.pop("case"), direction=d.pop("direction"), country=d.pop("country"),
                receiving_organisation=d.pop("receiving_organisation", None),
                receiving_organisation_name=d.pop("receiving_organisation_name", ""), consulate=d.pop("consulate", None))
            if d:
                plan = services.update_return(actor=self.request.user, plan=plan, data=d, expected_version=plan.version)
        serializer.instance = plan

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = _version(data)
        for key in ("version", "case", "direction", "country"):
            data.pop(key, None)
        serializer.instance = services.update_return(actor=self.request.user, plan=serializer.instance, data=data,
                                                     expected_version=version)

    @extend_schema(request=CompleteReturnBodySerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"], serializer_class=CompleteReturnBodySerializer)
    def complete(self, request, uuid=None):
        plan = self.get_object()
        d = _body(CompleteReturnBodySerializer, request)
        services.complete_return(actor=request.user, plan=plan, completed_on=d["completed_on"],
                                 expected_version=d["version"])
        return self._ok(plan)

    @extend_schema(request=NoteBodySerializer, responses=ReturnSerializer)
    @action(detail=True, methods=["post"], serializer_class=NoteBodySerializer)
    def cancel(self, request, uuid=None):
        plan = self.get_object()
        d = _body(NoteBodySerializer, request)
        services.cancel_return(actor=request.user, plan=plan, note=d.get("note", ""), expected_version=d["version"])
        return self._ok(plan)


class ReunificationViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, CaseScopedViewSet):
    serializer_class = ReunificationSerializer
    reads = selectors.REUNIFICATIONS
    write_roles = RETURN_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.start_reunification(actor=self.request.user, case=d["case"],
                                                           family_member=d["family_member"],
                                                           country=d.get("country"), note=d.get("note", ""))

    def perform_update(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.update_reunification(
            actor=self.request.user, item=serializer.instance, status=d.get("status", serializer.instance.status),
            note=d.get("note", ""), expected_version=_version(d))


class FollowUpViewSet(mixins.CreateModelMixin, CaseScopedViewSet):
    serializer_class = FollowUpSerializer
    reads = selectors.FOLLOW_UPS
    write_roles = RETURN_ROLES

    def perform_create(self, serializer):
        d = serializer.validated_data
        serializer.instance = services.schedule_follow_up(actor=self.request.user, case=d["case"], due_on=d["due_on"])

    @extend_schema(request=FollowUpRecordSerializer, responses=FollowUpSerializer)
    @action(detail=True, methods=["post"], serializer_class=FollowUpRecordSerializer)
    def record(self, request, uuid=None):
        item = self.get_object()
        s = FollowUpRecordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.record_follow_up(actor=request.user, item=item, **s.validated_data)
        return self._ok(item)


class CaseClosureViewSet(IdempotentPosts, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Close a case: only after the final review of the rehabilitation plan, with the HTCDS reason. A request
    retried with its Idempotency-Key is answered as the first was, instead of "already closed"."""

    serializer_class = ClosureSerializer

    def get_queryset(self):
        return Case.objects.none()

    @extend_schema(request=ClosureSerializer, responses={201: ClosedCaseSerializer})
    def create(self, request, *args, **kwargs):
        acting_institution(request.user, CLOSE_ROLES)
        s = ClosureSerializer(data=request.data, context=self.get_serializer_context())
        s.is_valid(raise_exception=True)
        d = s.validated_data
        case = services.close_case(actor=request.user, case=d["case"], status=d["status"],
                                   closure_reason=d["closure_reason"], expected_version=d["version"])
        return Response(ClosedCaseSerializer(case).data, status=status.HTTP_201_CREATED)

