"""REST API of the criminal proceedings (/api/v1/proceedings/…): suspected traffickers, criminal cases
(stage changes, verdict, link to a compensation claim), hearings, the victim's appearances and
requests for release from liability.

Reads are scoped by the access policy — the case visible, then the section: the investigation file
(`investigation`: suspects, criminal cases, release requests) for law enforcement, hearings and
appearances (`hearings`) also for the NGOs that accompany the victim — and audited. Every change goes
through nicat.proceedings.services (the section check, validation, the version check, the audit);
only a role that sees the investigation file may change anything (403 before any lookup).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from nicat.access import policy
from nicat.access.sections import INVESTIGATION
from nicat.cases.fields import VisibleCaseField
from nicat.core.drf import RefuseUnknownFieldsMixin, refuse_search_in_address
from nicat.core.personview import PersonView
from nicat.core.services import expected_version
from nicat.core.viewsets import CASE_PARAMETER, AuditedViewSet
from nicat.directory.fields import InstitutionRefField
from nicat.proceedings import selectors, services
from nicat.proceedings.models import (
    AgeBand,
    Appearance,
    AppearanceMode,
    AppearanceStatus,
    CriminalCase,
    Hearing,
    HearingPurpose,
    LiabilityKind,
    Perpetrator,
    ReleaseOutcome,
    ReleaseRequest,
    Stage,
    StageChange,
    VerdictOutcome,
    VictimStatus,
)
from nicat.vocab.fields import TermField

NOT_VISIBLE = _("No record with this id is visible to you in the investigation file.")


class _VisibleRef(serializers.UUIDField):
    """A record given by its uuid, resolved among those the user sees in the investigation file (else a
    400 saying so: a record of another case or institution is never reached through this field)."""

    model = None

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        obj = selectors.scoped(self.model, self.context["request"].user).filter(uuid=value).first()
        if obj is None:
            raise serializers.ValidationError(NOT_VISIBLE)
        return obj

    def to_representation(self, value):
        return str(getattr(value, "uuid", value))


class CriminalCaseRef(_VisibleRef):
    model = CriminalCase


class PerpetratorRef(_VisibleRef):
    model = Perpetrator


class HearingRef(serializers.UUIDField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        hearing = selectors.scoped(Hearing, self.context["request"].user).filter(uuid=value).first()
        if hearing is None:
            raise serializers.ValidationError(_("No hearing with this id is visible to you."))
        return hearing

    def to_representation(self, value):
        return str(getattr(value, "uuid", value))


# --- serializers ---------------------------------------------------------------------------------------

class PerpetratorSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("The victim's case."))
    aliases = serializers.ListField(child=serializers.CharField(max_length=150), required=False, max_length=20)
    roles = TermField("perpetrator_role", many=True, help_text=_("Codes of /api/v1/vocabularies/perpetrator_role/ "
                                                                  "(HTCDS per_RoleInProcess)."))
    relation = TermField("trafficker_relation", required=False, allow_null=True)
    nationalities = TermField("country", many=True, required=False)
    gender = TermField("gender", required=False, allow_null=True)
    age_band = serializers.ChoiceField(choices=AgeBand.choices, required=False)
    given_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    family_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    patronymic = serializers.CharField(required=False, allow_blank=True, max_length=150)
    role_details = serializers.CharField(required=False, allow_blank=True)
    organisation = serializers.CharField(required=False, allow_blank=True, max_length=255)
    version = serializers.IntegerField(required=False, help_text=_("On a change: the version you read."))

    class Meta:
        model = Perpetrator
        fields = ["uuid", "case", "given_name", "family_name", "patronymic", "aliases", "roles", "role_details",
                  "organisation", "relation", "nationalities", "gender", "age_band", "version", "created_at"]
        read_only_fields = ["uuid", "created_at"]


class StageChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_on", "note"]


class SuspectsField(serializers.ListField):
    """The suspects of the criminal case, by id (read through the selector: a suspect is a scoped record)."""

    def get_attribute(self, instance):
        return selectors.suspects_of(instance)


class CriminalCaseSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField(help_text=_("The victim's case."))
    number = serializers.CharField(max_length=100)
    articles = TermField("criminal_article", many=True, help_text=_("Codes of /api/v1/vocabularies/criminal_article/ "
                                                                     "(e.g. 144-1)."))
    investigating_body = InstitutionRefField()
    stage = serializers.ChoiceField(choices=Stage.choices, required=False,
                                    help_text=_("On creation only; later through the stage action."))
    victim_status = serializers.ChoiceField(choices=VictimStatus.choices, required=False)
    perpetrators = SuspectsField(child=PerpetratorRef(), required=False,
                                         help_text=_("Suspects recorded on the same case (their ids)."))
    verdict_outcome = serializers.ChoiceField(choices=VerdictOutcome.choices, read_only=True)
    stage_changes = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, help_text=_("On a change: the version you read."))

    class Meta:
        model = CriminalCase
        fields = ["uuid", "case", "number", "articles", "investigating_body", "opened_on", "stage", "stage_since",
                  "victim_status", "perpetrators", "verdict_on", "verdict_court", "verdict_outcome",
                  "sentence_summary", "confiscation_amount", "confiscation_description", "stage_changes", "version"]
        read_only_fields = ["uuid", "stage_since", "verdict_on", "verdict_court", "sentence_summary",
                            "confiscation_amount", "confiscation_description"]

    @extend_schema_field(StageChangeSerializer(many=True))
    def get_stage_changes(self, obj):
        return StageChangeSerializer(selectors.stage_changes_of(obj), many=True).data


class StageBody(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, help_text=_("Not verdict: the verdict action records it."))
    changed_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


class VerdictBody(serializers.Serializer):
    verdict_on = serializers.DateField()
    verdict_court = serializers.CharField(max_length=255)
    verdict_outcome = serializers.ChoiceField(choices=VerdictOutcome.choices)
    sentence_summary = serializers.CharField(required=False, allow_blank=True)
    confiscation_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                                   allow_null=True)
    confiscation_description = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


class LinkCompensationBody(serializers.Serializer):
    claim = serializers.UUIDField(help_text=_("The compensation claim (/api/v1/compensation-claims/) of the same "
                                              "case."))
    claim_version = serializers.IntegerField(help_text=_("The version of the claim you read."))


class LinkedClaimSerializer(serializers.Serializer):
    claim = serializers.UUIDField()
    criminal_case = serializers.UUIDField()
    claim_version = serializers.IntegerField()


class AppearanceSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    hearing = HearingRef()
    mode = serializers.ChoiceField(choices=AppearanceMode.choices, required=False)
    status = serializers.ChoiceField(choices=AppearanceStatus.choices, required=False,
                                     help_text=_("On a change only: whether the victim appeared."))
    accompanied_by = InstitutionRefField(required=False, allow_null=True)
    safety_checked = serializers.ListField(child=serializers.CharField(), read_only=True,
                                           help_text=_("The checks passed before the appearance was planned."))
    person_view = serializers.ChoiceField(
        choices=PersonView.choices, allow_blank=True, required=False,
        help_text=_("What the person thinks of appearing (a procedural duty, never planned without asking her); "
                    "required when planning, empty only on appearances planned before it was asked."))
    wished_mode = serializers.ChoiceField(choices=AppearanceMode.choices, allow_blank=True, required=False,
                                          help_text=_("How she wishes to take part."))
    person_wishes = serializers.CharField(required=False, allow_blank=True, max_length=5000, help_text=_(
        "Her wishes: accompaniment, the protective measures she asks for; required when she objects or could not "
        "be asked."))
    version = serializers.IntegerField(required=False, help_text=_("On a change: the version you read."))

    class Meta:
        model = Appearance
        fields = ["uuid", "hearing", "status", "mode", "accompanied_by", "safety_checked", "person_view",
                  "wished_mode", "person_wishes", "version"]
        read_only_fields = ["uuid"]


class NestedAppearanceSerializer(serializers.ModelSerializer):
    accompanied_by = serializers.SlugRelatedField(slug_field="uuid", read_only=True)

    class Meta:
        model = Appearance
        fields = ["uuid", "status", "mode", "accompanied_by", "person_view", "wished_mode", "person_wishes", "version"]


def _has_appearance(hearing):
    try:
        return hearing.appearance is not None
    except Appearance.DoesNotExist:
        return False


class HearingSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    criminal_case = CriminalCaseRef(help_text=_("The criminal case (needs the investigation file to set)."))
    case = serializers.SerializerMethodField()
    court = serializers.CharField(max_length=255)
    purpose = serializers.ChoiceField(choices=HearingPurpose.choices, required=False)
    appearance = serializers.SerializerMethodField()
    version = serializers.IntegerField(required=False, help_text=_("On a change: the version you read."))

    class Meta:
        model = Hearing
        fields = ["uuid", "criminal_case", "case", "starts_at", "court", "purpose", "appearance", "version"]
        read_only_fields = ["uuid"]

    def get_case(self, obj) -> str:
        return str(obj.criminal_case.case.uuid)

    @extend_schema_field(NestedAppearanceSerializer(allow_null=True))
    def get_appearance(self, obj):
        appearance = getattr(obj, "appearance", None) if _has_appearance(obj) else None
        return NestedAppearanceSerializer(appearance).data if appearance else None


class ReleaseRequestSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    case = VisibleCaseField()
    criminal_case = CriminalCaseRef(required=False, allow_null=True)
    liability = serializers.ChoiceField(choices=LiabilityKind.choices)
    offence = serializers.CharField()
    authority = serializers.CharField(max_length=255)
    outcome = serializers.ChoiceField(choices=ReleaseOutcome.choices, read_only=True)

    class Meta:
        model = ReleaseRequest
        fields = ["uuid", "case", "criminal_case", "liability", "offence", "requested_on", "authority", "outcome",
                  "decided_on", "decision_note", "version"]
        read_only_fields = ["uuid", "outcome", "decided_on", "decision_note", "version"]


class ReleaseDecisionBody(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReleaseOutcome.choices)
    decided_on = serializers.DateField(required=False, allow_null=True)
    decision_note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField()


# --- viewsets ---------------------------------------------------------------------------------------------

class ProceedingsViewSet(AuditedViewSet):
    """Scoped (case visible + section) through the proceedings selectors (nicat.core.viewsets),
    `?case=<uuid>` to filter, every read audited."""

    def initial(self, request, *args, **kwargs):
        """A role that never sees the section of these records is refused (403) before any lookup; so is
        any change by a role that does not see the investigation file."""
        super().initial(request, *args, **kwargs)
        sections = policy.visible_sections(request.user)
        if self.reads.section not in sections:
            raise PermissionDenied(_("Your role does not see the criminal proceedings."))
        if request.method not in ("GET", "HEAD", "OPTIONS") and INVESTIGATION not in sections:
            raise PermissionDenied(_("Only law enforcement records the criminal proceedings."))

    def _version(self, data):
        return expected_version(data.pop("version", None))  # the one version check (400 on "version")

    def _answer(self, obj, code=status.HTTP_200_OK):
        obj = self.reads.model.objects.row(obj).get()
        return self.answer(obj, code)


class PerpetratorSearchSerializer(serializers.Serializer):
    """What POST /api/v1/proceedings/perpetrators/search/ looks for: in the body, never in the address."""

    name = serializers.CharField(max_length=300, help_text=_(
        "A suspect's full name: found by its blind index (any spelling or order of the same name)."))

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Give the suspect's full name."))
        return value


class PerpetratorViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ProceedingsViewSet):
    """Suspected traffickers (the investigation file). POST `search/` finds a suspect by name through the blind
    index (any spelling or order of the same name), among the suspects of the cases you may see; the name goes
    in the body, never in the address (`?name=` on the list is refused)."""

    serializer_class = PerpetratorSerializer
    reads = selectors.PERPETRATORS
    http_method_names = ["get", "post", "patch", "head", "options"]
    searched_name = ""

    @extend_schema(description=(
        "A search by name is POST /api/v1/proceedings/perpetrators/search/ (the name in the body); `?name=` here "
        "is refused (400)."))
    def list(self, request, *args, **kwargs):
        refuse_search_in_address(request, "/api/v1/proceedings/perpetrators/search/", ("name",))
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Find suspects by name (the cases you may see)",
                   description="The name goes in the JSON body, never in the address. Paged like the list "
                               "(`?page=N` with the same body); audited as a list naming the cases shown, never "
                               "the name searched.",
                   parameters=[CASE_PARAMETER], request=PerpetratorSearchSerializer,
                   responses=PerpetratorSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request):
        body = PerpetratorSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.searched_name = body.validated_data["name"]
        return super().list(request)

    def get_queryset(self):
        qs = super().get_queryset()
        if self.searched_name and not getattr(self, "swagger_fake_view", False):
            qs = qs.filter(name_index=services.name_index("", self.searched_name, ""))
        return qs.prefetch_related("roles", "nationalities")

    def create(self, request, *args, **kwargs):
        case, data = self.for_create("case")
        return self._answer(services.add_perpetrator(actor=request.user, case=case, data=data), status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data, version = self.for_update(obj, fixed=[("case", _("A suspect stays on the case they were recorded on."))])
        return self._answer(services.update_perpetrator(actor=request.user, perpetrator=obj, data=data,
                                                        expected_version=version))


class CriminalCaseViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ProceedingsViewSet):
    """Criminal cases (the investigation file), with their dated changes of stage and the verdict."""

    serializer_class = CriminalCaseSerializer
    reads = selectors.CRIMINAL_CASES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("articles", *selectors.criminal_case_related())

    def create(self, request, *args, **kwargs):
        case, data = self.for_create("case")
        return self._answer(services.open_criminal_case(actor=request.user, case=case, data=data),
                            status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data, version = self.for_update(obj, fixed=[
            ("case", _("A criminal case stays on the case it was recorded on.")),
            ("stage", _("Change the stage through the stage action (it is dated)."))])
        return self._answer(services.update_criminal_case(actor=request.user, criminal_case=obj, data=data,
                                                          expected_version=version))

    @extend_schema(request=StageBody, responses=CriminalCaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=StageBody)
    def stage(self, request, uuid=None):
        obj = self.get_object()
        s = StageBody(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        services.change_stage(actor=request.user, criminal_case=obj, stage=d["stage"], changed_on=d["changed_on"],
                              note=d.get("note", ""), expected_version=d["version"])
        return self._answer(obj)

    @extend_schema(request=VerdictBody, responses=CriminalCaseSerializer)
    @action(detail=True, methods=["post"], serializer_class=VerdictBody)
    def verdict(self, request, uuid=None):
        obj = self.get_object()
        s = VerdictBody(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        version = d.pop("version")
        services.record_verdict(actor=request.user, criminal_case=obj, data=d, expected_version=version)
        return self._answer(obj)

    @extend_schema(request=LinkCompensationBody, responses=LinkedClaimSerializer)
    @action(detail=True, methods=["post"], url_path="link-compensation", serializer_class=LinkCompensationBody)
    def link_compensation(self, request, uuid=None):
        from django.apps import apps

        obj = self.get_object()
        s = LinkCompensationBody(data=request.data)
        s.is_valid(raise_exception=True)
        claim_model = apps.get_model("assistance", "CompensationClaim")
        claim = claim_model.objects.visible_to(request.user).filter(uuid=s.validated_data["claim"]).first()
        if claim is None:
            raise serializers.ValidationError({"claim": [_("No compensation claim with this id is visible to you.")]})
        services.link_compensation(actor=request.user, claim=claim, criminal_case=obj,
                                   expected_version=s.validated_data["claim_version"])
        return Response({"claim": str(claim.uuid), "criminal_case": str(obj.uuid), "claim_version": claim.version})


class HearingViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ProceedingsViewSet):
    """Court hearings (the `hearings` section: NGOs accompanying the victim read them; law enforcement
    records them)."""

    serializer_class = HearingSerializer
    reads = selectors.HEARINGS_READ
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        criminal_case, data = self.for_create("criminal_case")
        return self._answer(services.schedule_hearing(actor=request.user, criminal_case=criminal_case, data=data),
                            status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        data, version = self.for_update(obj, fixed=[("criminal_case", _("A hearing stays with its criminal case."))])
        return self._answer(services.update_hearing(actor=request.user, hearing=obj, data=data,
                                                    expected_version=version))


class AppearanceViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ProceedingsViewSet):
    """The victim's appearances at hearings. POST plans one (the registered safety checks run first:
    nicat.proceedings.checks); PATCH with `status` and `version` records whether the victim appeared."""

    serializer_class = AppearanceSerializer
    reads = selectors.APPEARANCES
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        hearing = data.pop("hearing")
        if "status" in data or "version" in data:
            raise serializers.ValidationError({"status": [_("A planned appearance starts as required; record the "
                                                            "outcome after the hearing.")]})
        return self._answer(services.plan_appearance(actor=request.user, hearing=hearing, data=data),
                            status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        s = self.get_serializer(obj, data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        version = self._version(data)
        extra = sorted(set(data) - {"status"})
        if extra or "status" not in data:
            raise serializers.ValidationError({(extra[0] if extra else "status"): [
                _("Only the outcome (status) of a planned appearance can be changed.")]})
        return self._answer(services.record_appearance(actor=request.user, appearance=obj, status=data["status"],
                                                       expected_version=version))


class ReleaseRequestViewSet(mixins.CreateModelMixin, ProceedingsViewSet):
    """Requests for release from liability for offences committed as a result of being trafficked."""

    serializer_class = ReleaseRequestSerializer
    reads = selectors.RELEASE_REQUESTS

    def create(self, request, *args, **kwargs):
        s = self.get_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        case = data.pop("case")
        return self._answer(services.request_release(actor=request.user, case=case, data=data),
                            status.HTTP_201_CREATED)

    @extend_schema(request=ReleaseDecisionBody, responses=ReleaseRequestSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReleaseDecisionBody)
    def decide(self, request, uuid=None):
        obj = self.get_object()
        s = ReleaseDecisionBody(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        services.decide_release(actor=request.user, release=obj, outcome=d["outcome"], decided_on=d.get("decided_on"),
                                decision_note=d.get("decision_note", ""), expected_version=d["version"])
        return self._answer(obj)
