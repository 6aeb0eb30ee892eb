"""REST API of safety (/api/v1/…): risk assessments and their safety plan, security measures (every read
with `?reason=`), relatives and helpers at risk (searchable by blind index: `?name=`, `?phone=`), contacts
with the family. Every change goes through the services (the one policy with the section check, the
version check, the audit); every read is scoped by the policy and audited."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.access import policy
from nicat.cases.fields import VisibleCaseField
from nicat.core.drf import RefuseUnknownFieldsMixin, refuse_search_in_address
from nicat.core.viewsets import CASE_PARAMETER, AuditedGenericViewSet, AuditedListMixin, AuditedViewSet
from nicat.safety import selectors, services
from nicat.safety.models import (
    Assessment,
    Factor,
    FamilyContact,
    Level,
    MeasureKind,
    Occasion,
    PersonView,
    Relation,
    Relative,
    SecurityMeasure,
)


def _username(user):
    return user.get_username() if user is not None else None


class AssessmentSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    occasion = serializers.ChoiceField(choices=Occasion.choices)
    factors = serializers.ListField(child=serializers.ChoiceField(choices=Factor.choices), required=False,
                                    help_text=_("Risk factors found; \"child\" only for a child."))
    level = serializers.ChoiceField(choices=Level.choices)
    reasons = serializers.CharField(allow_null=True, help_text=_("null for roles that do not assess."))
    review_on = serializers.DateField()
    assessed_by = serializers.SerializerMethodField()
    institution = serializers.UUIDField(source="institution.uuid", read_only=True)
    safety_plan = serializers.SerializerMethodField()
    plan_written_by = serializers.SerializerMethodField()
    plan_confirmed_by = serializers.SerializerMethodField()
    blocks_risky_steps = serializers.BooleanField(read_only=True)

    schema_nullable_fields = ("reasons",)

    class Meta:
        model = Assessment
        fields = ["uuid", "case", "occasion", "factors", "level", "reasons", "review_on", "assessed_at", "assessed_by",
                  "institution", "safety_plan", "plan_written_by", "plan_written_at", "plan_confirmed_by",
                  "plan_confirmed_at", "blocks_risky_steps", "version"]
        read_only_fields = ["uuid", "assessed_at", "plan_written_at", "plan_confirmed_at", "version"]

    def get_assessed_by(self, obj) -> str:
        return _username(obj.assessed_by)

    def get_safety_plan(self, obj) -> str | None:
        return obj.safety_plan if self._reasons(obj) else None

    def get_plan_written_by(self, obj) -> str | None:
        return _username(obj.plan_written_by)

    def get_plan_confirmed_by(self, obj) -> str | None:
        return _username(obj.plan_confirmed_by)

    def _reasons(self, obj):
        request = self.context.get("request")
        return request is not None and selectors.shows_reasons(request.user, obj.case)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not self._reasons(obj):
            data["reasons"] = None
        return data


class PlanBodySerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    safety_plan = serializers.CharField()
    version = serializers.IntegerField()


class VersionBodySerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    version = serializers.IntegerField()


class MeasureSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    description = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True,
                                    help_text=_("The confidential address (required for that measure)."))
    responsible_body = serializers.CharField(max_length=255)
    person_view = serializers.ChoiceField(
        choices=PersonView.choices, allow_blank=True,
        help_text=_("What the person thinks of the measure (lawful without her consent, never without asking her); "
                    "empty only on a measure recorded before it was asked."))
    person_wishes = serializers.CharField(required=False, allow_blank=True, help_text=_(
        "Her wishes: required when she objects or could not be asked (what she objects to and would accept, or "
        "why she could not be asked)."))
    version = serializers.IntegerField(required=False, help_text=_("Required on a change: the version you read."))

    class Meta:
        model = SecurityMeasure
        fields = ["uuid", "case", "kind", "description", "address", "responsible_body", "starts_on", "ends_on",
                  "review_on", "person_view", "person_wishes", "version"]
        read_only_fields = ["uuid"]


class MeasureUpdateSerializer(MeasureSerializer):
    case = VisibleCaseField(read_only=True)
    kind = serializers.ChoiceField(choices=MeasureKind.choices, required=False)
    responsible_body = serializers.CharField(max_length=255, required=False)
    person_view = serializers.ChoiceField(choices=PersonView.choices, required=False)
    version = serializers.IntegerField()

    class Meta(MeasureSerializer.Meta):
        extra_kwargs = {"starts_on": {"required": False}, "review_on": {"required": False}}


class RelativeSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    relation = serializers.ChoiceField(choices=Relation.choices)
    risk = serializers.ChoiceField(choices=Level.choices)
    version = serializers.IntegerField(required=False, help_text=_("Required on a change: the version you read."))

    class Meta:
        model = Relative
        fields = ["uuid", "case", "relation", "given_name", "family_name", "phone", "contact", "risk", "risk_notes",
                  "measures", "version"]
        read_only_fields = ["uuid"]
        extra_kwargs = {f: {"required": False, "allow_blank": True}
                        for f in ("given_name", "family_name", "phone", "contact", "risk_notes", "measures")}


class RelativeUpdateSerializer(RelativeSerializer):
    case = VisibleCaseField(read_only=True)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False)
    risk = serializers.ChoiceField(choices=Level.choices, required=False)
    version = serializers.IntegerField()


class FamilyContactSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    relative = serializers.SlugRelatedField(slug_field="uuid", queryset=Relative.objects.none(), required=False,
                                            allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                 help_text=_("null for roles that do not assess."))

    schema_nullable_fields = ("note",)

    class Meta:
        model = FamilyContact
        fields = ["uuid", "case", "relative", "contacted_on", "note"]
        read_only_fields = ["uuid"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["relative"].queryset = Relative.objects.visible_to(request.user)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        request = self.context.get("request")
        if obj.relative_id and (request is None or not selectors.sees_relatives(request.user, obj.case)):
            data["relative"] = None
        if request is None or not selectors.shows_reasons(request.user, obj.case):
            data["note"] = None
        return data


# --- viewsets ---------------------------------------------------------------------------------------


class _Scoped(AuditedViewSet):
    """Reads through the safety selectors (nicat.core.viewsets); a role that never sees the section of
    these records is refused (403) before any lookup."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.reads.role_sees_section(request.user):
            raise policy.SectionNotAllowed(self.reads.section)

    def _answer(self, obj, code=status.HTTP_200_OK):
        obj.refresh_from_db()
        return self.answer(obj, code)


class AssessmentViewSet(mixins.CreateModelMixin, _Scoped):
    """Risk assessments of a case. POST records one (roles that assess); `plan` writes the safety plan of a
    high level, `confirm-plan` confirms it (a supervisor of the owning institution who did not write it)."""

    serializer_class = AssessmentSerializer
    reads = selectors.ASSESSMENTS

    def create(self, request, *args, **kwargs):
        body = AssessmentSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = body.validated_data
        assessment = services.record_assessment(actor=request.user, case=d["case"], data={
            **d, "factors": d.get("factors", [])})
        return self._answer(assessment, status.HTTP_201_CREATED)

    @extend_schema(request=PlanBodySerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"], serializer_class=PlanBodySerializer)
    def plan(self, request, uuid=None):
        assessment = self.get_object()
        services.require_assess_role(request.user)
        body = PlanBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.write_safety_plan(actor=request.user, assessment=assessment, plan=body.validated_data["safety_plan"],
                                   expected_version=body.validated_data["version"])
        return self._answer(assessment)

    @extend_schema(request=VersionBodySerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-plan", url_name="confirm-plan",
            serializer_class=VersionBodySerializer)
    def confirm_plan(self, request, uuid=None):
        assessment = self.get_object()
        services.require_confirmer(request.user, assessment)
        body = VersionBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.confirm_safety_plan(actor=request.user, assessment=assessment,
                                     expected_version=body.validated_data["version"])
        return self._answer(assessment)


REASON_PARAM = OpenApiParameter("reason", str, required=True, description=(
    "Why you open the security measures (at least 5 characters); kept in the audit trail. Without it: 400."))


@extend_schema_view(
    list=extend_schema(parameters=[REASON_PARAM]),
    retrieve=extend_schema(parameters=[REASON_PARAM]),
    partial_update=extend_schema(request=MeasureUpdateSerializer, responses=MeasureSerializer,
                                 parameters=[REASON_PARAM]),
)
class SecurityMeasureViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _Scoped):
    """Security measures: the case's "security" section (law enforcement and the owning institution's
    supervisor; 403 for other roles). Every read needs `?reason=`, which the audit event keeps."""

    serializer_class = MeasureSerializer
    reads = selectors.SECURITY_MEASURES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _reason(self):
        try:
            return selectors.require_reason(self.request.query_params.get("reason"))
        except Exception as error:  # the ValidationError of the selector: 400 naming "reason"
            raise ValidationError(getattr(error, "message_dict", {"reason": [str(error)]})) from None

    def list(self, request, *args, **kwargs):
        self._reason_given = self._reason()
        return super().list(request, *args, **kwargs)

    def list_details(self):
        return {"reason": self._reason_given}

    def read_details(self):
        return {"reason": self._reason()}

    def create(self, request, *args, **kwargs):
        body = MeasureSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        measure = services.add_security_measure(actor=request.user, case=d.pop("case"), data=d)
        return self._answer(measure, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        # The answer shows the measure (its confidential address): a read like any other, so it needs the reason
        # and records it. A PATCH of only the version showed it without either (found by the third review).
        reason = self._reason()
        measure = self.get_object()
        body = MeasureUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        version = d.pop("version", None)  # a missing one is the service's 400 naming version, never a KeyError
        with transaction.atomic():
            services.update_security_measure(actor=request.user, measure=measure, data=d, expected_version=version)
            self.reads.viewed(request.user, measure, channel="api", reason=reason)
        return self._answer(measure)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise PermissionDenied
        return super().update(request, *args, **kwargs)


class RelativeSearchSerializer(serializers.Serializer):
    """What POST /api/v1/relatives-at-risk/search/ looks for (a name, a phone number or both): in the body,
    never in the address."""

    name = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text=_(
        "A full name in any spelling and order: found by its blind index (exact after normalisation)."))
    phone = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                  help_text=_("A phone number: found by its blind index."))

    def validate(self, data):
        if not (data.get("name", "").strip() or data.get("phone", "").strip()):
            raise serializers.ValidationError(_("Give a full name or a phone number."))
        return data


# The criteria a GET of the list may no longer carry (law 1: an address is kept in logs and histories).
RELATIVE_TERMS = ("name", "phone")


@extend_schema_view(
    list=extend_schema(description=(
        "A search by name or phone is POST /api/v1/relatives-at-risk/search/ (the criteria in the body); "
        "`?name=` or `?phone=` here is refused (400).")),
    partial_update=extend_schema(request=RelativeUpdateSerializer, responses=RelativeSerializer),
)
class RelativeViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _Scoped):
    """Relatives and helpers at risk: the case's "relatives" section (403 for roles that never see it;
    another institution sees them only through a referral that shares the section with consent)."""

    serializer_class = RelativeSerializer
    reads = selectors.RELATIVES_AT_RISK
    http_method_names = ["get", "post", "patch", "head", "options"]
    search_terms: dict = {}

    def filter_queryset(self, queryset):
        name, phone = self.search_terms.get("name"), self.search_terms.get("phone")
        if name:
            queryset = queryset.filter(name_index=services.name_index(name))
        if phone:
            queryset = queryset.filter(phone_index=services.phone_index(phone))
        return queryset

    def list(self, request, *args, **kwargs):
        refuse_search_in_address(request, "/api/v1/relatives-at-risk/search/", RELATIVE_TERMS)
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Find relatives and helpers at risk by name or phone (the cases you may see)",
                   description="The criteria go in the JSON body, never in the address. Paged like the list "
                               "(`?page=N` with the same body); audited as a list naming the cases shown, "
                               "never the name or number searched.",
                   parameters=[CASE_PARAMETER], request=RelativeSearchSerializer,
                   responses=RelativeSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request):
        body = RelativeSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.search_terms = dict(body.validated_data)
        return super().list(request)

    def create(self, request, *args, **kwargs):
        body = RelativeSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        d.pop("version", None)
        relative = services.add_relative(actor=request.user, case=d.pop("case"), data=d)
        return self._answer(relative, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        relative = self.get_object()
        body = RelativeUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        version = d.pop("version", None)  # a missing one is the service's 400 naming version
        services.update_relative(actor=request.user, relative=relative, data=d, expected_version=version)
        return self._answer(relative)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            raise PermissionDenied
        return super().update(request, *args, **kwargs)


class FamilyContactViewSet(mixins.CreateModelMixin, AuditedListMixin, AuditedGenericViewSet):
    """Contacts with the family: POST records one — it needs the person's consent (purpose
    "family_contact") and a safety assessment, and a high level needs a confirmed safety plan (400 naming
    "safety", with the address of the safety page)."""

    serializer_class = FamilyContactSerializer
    reads = selectors.FAMILY_CONTACTS

    def create(self, request, *args, **kwargs):
        body = FamilyContactSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = body.validated_data
        contact = services.record_family_contact(actor=request.user, case=d["case"], relative=d.get("relative"),
                                                 contacted_on=d["contacted_on"], note=d.get("note", ""))
        return Response(FamilyContactSerializer(contact, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
