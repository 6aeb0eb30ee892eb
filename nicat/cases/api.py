"""REST API of cases: /api/v1/cases/, with notes and trafficking events below each case."""
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.access import policy, sections
from nicat.cases import selectors, services
from nicat.cases.models import Case, CaseNote, CaseStatus, EventKind, TraffickingEvent, TraffickingStatus
from nicat.core.drf import KeysetPagination, represent
from nicat.core.errors import NotAllowed
from nicat.core.viewsets import AuditedViewSet
from nicat.persons import selectors as person_selectors
from nicat.persons.api import PersonSerializer
from nicat.vocab.fields import TermField

M2M = {"acts": "act", "means": "means", "exploitation_forms": "exploitation",
       "recruitment_channels": "recruitment_channel", "risk_factors": "risk_group",
       "countries_of_origin": "country", "countries_of_recruitment": "country",
       "countries_of_exploitation": "country"}


class CaseSerializer(serializers.ModelSerializer):
    person = PersonSerializer(required=False, help_text=_("A new person to register with the case."))
    person_uuid = serializers.UUIDField(required=False, write_only=True,
                                        help_text=_("Or: an existing person you may see."))
    owner_institution = serializers.UUIDField(source="owner_institution.uuid", read_only=True)
    status_decided_by = serializers.UUIDField(source="status_decided_by.uuid", read_only=True, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text=_("Required on update: the version you read."))
    trafficking_status = serializers.ChoiceField(
        choices=TraffickingStatus.choices, required=False,
        help_text=_("Set only by the official identification decision (POST /api/v1/identification/decisions/): "
                    "a different value here is refused with 400."))
    first_contact_at = serializers.DateTimeField(required=False)
    acts = TermField("act", many=True, required=False)
    means = TermField("means", many=True, required=False)
    exploitation_forms = TermField("exploitation", many=True, required=False)
    recruitment_channels = TermField("recruitment_channel", many=True, required=False)
    risk_factors = TermField("risk_group", many=True, required=False)
    countries_of_origin = TermField("country", many=True, required=False)
    countries_of_recruitment = TermField("country", many=True, required=False)
    countries_of_exploitation = TermField("country", many=True, required=False)

    class Meta:
        model = Case
        fields = ["uuid", "reference", "person", "person_uuid", "owner_institution", "status", "closure_reason",
                  "trafficking_status", "status_decided_by", "status_decided_on", "came_to_notice",
                  "first_contact_at", *M2M, "scope", "summary", "created_at", "updated_at", "version"]
        read_only_fields = ["uuid", "reference", "status_decided_on", "created_at", "updated_at"]

    # Left out of the answer where the caller may not see the narrative section.
    schema_optional_fields = ("summary",)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None:
            return data
        visible = policy.visible_sections(request.user, instance)
        sections.strip(data, "cases.case", visible)  # the fields each section holds: nicat.access.sections
        person = data.get("person")
        if isinstance(person, dict):
            sections.strip(person, "persons.person", visible)
        return data

    def validate(self, attrs):
        if self.instance is None and not attrs.get("person") and not attrs.get("person_uuid"):
            raise ValidationError({"person": [_("Give the person: either `person` (a new person) or "
                                                "`person_uuid` (an existing one).")]})
        if self.instance is not None and ("person" in attrs or "person_uuid" in attrs):
            raise ValidationError({"person": [_("The person of a case cannot be changed here; edit the person "
                                                "at /api/v1/persons/<uuid>/.")]})
        return attrs


class CaseFilter(filters.FilterSet):
    reference = filters.CharFilter(method="by_reference")
    exploitation = filters.CharFilter(field_name="exploitation_forms__code")
    first_contact_from = filters.DateFilter(field_name="first_contact_at", lookup_expr="date__gte")
    first_contact_to = filters.DateFilter(field_name="first_contact_at", lookup_expr="date__lte")
    status = filters.ChoiceFilter(choices=CaseStatus.choices)
    trafficking_status = filters.ChoiceFilter(choices=TraffickingStatus.choices)

    def by_reference(self, queryset, name, value):
        return selectors.case_list(user=self.request.user, reference=value).filter(pk__in=queryset.values("pk"))


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True, default=None)

    class Meta:
        model = CaseNote
        fields = ["uuid", "text", "author", "created_at"]
        read_only_fields = ["uuid", "author", "created_at"]


class EventSerializer(serializers.ModelSerializer):
    country = TermField("country", required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=EventKind.choices)
    place = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = TraffickingEvent
        fields = ["uuid", "kind", "country", "place", "date_from", "date_to", "description", "created_at"]
        read_only_fields = ["uuid", "created_at"]


class CaseViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, AuditedViewSet):
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "patch", "head", "options"]
    reads = selectors.CASES  # case.list (the cases and persons shown) and case.view, as the pages
    case_filter = False

    def object_queryset(self):
        # A read is the selector's own (the case, its person and their terms in three queries); a change
        # looks in the list's queryset with its filters, as before.
        return None if self.request.method == "GET" else super().object_queryset()

    def count_listed(self, queryset):
        """The list's `count` (KeysetPagination): the cases its filters select, counted part by part of the
        access rule (policy.count_visible_cases), as the case list page does."""
        return policy.count_visible_cases(self.request.user, narrow=self.filter_queryset)

    def retrieve(self, request, *args, **kwargs):
        # The same representation as CaseSerializer(case).data; its fields built once per thread.
        return Response(represent(CaseSerializer, self.get_object(), context=self.get_serializer_context()))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        person_data = data.pop("person", None)
        person_uuid = data.pop("person_uuid", None)
        data.pop("version", None)
        person = None
        if person_uuid:
            try:
                person = person_selectors.PERSONS.get(self.request.user, person_uuid, audit=False)
            except NotAllowed:
                raise ValidationError({"person_uuid": [_("No person with this id is visible to you.")]}) from None
        if person_data:
            person_data = dict(person_data)
            person_data.pop("version", None)
        serializer.instance = services.open_case(actor=self.request.user, person_data=person_data,
                                                 case_data=data, person=person)

    def _case_with_section(self, request, uuid, section):
        try:
            case = self.reads.get(request.user, uuid, audit=False, terms=False)
        except NotAllowed:
            raise Http404 from None
        policy.require_section(request.user, case, section)
        return case

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError({"version": [_("Give the version of the record you read, so that no one "
                                                 "else's change is overwritten.")]})
        policy.require_section(self.request.user, serializer.instance, "narrative")
        serializer.instance = services.update_case(actor=self.request.user, case=serializer.instance, data=data,
                                                   expected_version=version)

    @extend_schema(methods=["GET"], responses=NoteSerializer(many=True))
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: NoteSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=NoteSerializer, pagination_class=None,
            filter_backends=[])  # the whole list of the case: the case list's filters are not these
    def notes(self, request, uuid=None):
        case = self._case_with_section(request, uuid, "narrative")
        if request.method == "POST":
            serializer = NoteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            note = services.add_note(actor=request.user, case=case, text=serializer.validated_data["text"])
            return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        return Response(NoteSerializer(selectors.notes_shown(user=request.user, case=case, channel="api"),
                                       many=True).data)

    @extend_schema(methods=["GET"], responses=EventSerializer(many=True))
    @extend_schema(methods=["POST"], request=EventSerializer, responses={201: EventSerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=EventSerializer, pagination_class=None,
            filter_backends=[])  # the whole list of the case: the case list's filters are not these
    def events(self, request, uuid=None):
        case = self._case_with_section(request, uuid, "narrative")
        if request.method == "POST":
            serializer = EventSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            event = services.add_event(actor=request.user, case=case, data=serializer.validated_data)
            return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)
        return Response(EventSerializer(selectors.route_shown(user=request.user, case=case, channel="api"),
                                        many=True).data)
