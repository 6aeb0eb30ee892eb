"""REST API of persons: /api/v1/persons/ — always scoped to what the caller may see."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled, ValidationError
from rest_framework.response import Response

from nicat.access import policy, sections
from nicat.core.drf import refuse_search_in_address
from nicat.core.errors import NotAllowed
from nicat.core.viewsets import AuditedViewSet
from nicat.persons import selectors, services
from nicat.persons.forms import CandidateForm, SearchForm
from nicat.persons.models import Person
from nicat.vocab.fields import TermField


class DocumentSerializer(serializers.Serializer):
    type = TermField("document_type")
    number = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")
    country = TermField("country", required=False, allow_null=True, default=None)
    expiry = serializers.DateField(required=False, allow_null=True, default=None)

    def to_representation(self, instance):  # stored as codes
        return {"type": instance.get("type", ""), "number": instance.get("number", ""),
                "country": instance.get("country") or None, "expiry": instance.get("expiry") or None}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return {"type": value["type"].code, "number": value.get("number", ""),
                "country": value["country"].code if value.get("country") else "",
                "expiry": value["expiry"].isoformat() if value.get("expiry") else ""}


def _mask_person(serializer, instance, data):
    """Drop the fields of sections the caller may not see (nicat.access.sections, .policy)."""
    request = serializer.context.get("request")
    if request is None:
        return data
    return sections.strip(data, "persons.person", policy.person_sections(request.user, instance))


class PersonSerializer(serializers.ModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField(max_length=150), required=False)
    gender = TermField("gender", required=False, allow_null=True)
    citizenships = TermField("country", many=True, required=False)
    languages = TermField("language", many=True, required=False)
    documents = DocumentSerializer(many=True, required=False)
    registered_by = serializers.UUIDField(source="registered_by_institution.uuid", read_only=True)
    given_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    patronymic = serializers.CharField(max_length=150, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text=_("Required on update: the version you read."))
    erased_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_(
        "When the person's identifying data was erased (their data key destroyed); null while it is kept. "
        "An erased person's identifying fields are empty."))

    class Meta:
        model = Person
        fields = ["uuid", "given_name", "family_name", "patronymic", "aliases", "birth_date",
                  "birth_date_is_estimate", "estimated_age", "gender", "citizenships", "languages", "documents",
                  "phone", "email", "address", "registered_by", "created_at", "updated_at", "version", "erased_at"]
        read_only_fields = ["uuid", "created_at", "updated_at", "erased_at"]

    # Left out of the answer where the caller may not see their section (nicat.access.policy).
    schema_optional_fields = ("given_name", "family_name", "patronymic", "aliases", "birth_date",
                              "birth_date_is_estimate", "estimated_age", "gender", "citizenships", "languages",
                              "documents", "phone", "email", "address")

    def to_representation(self, instance):
        return _mask_person(self, instance, super().to_representation(instance))


class CaseRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    reference = serializers.CharField()


class PersonMatchSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(source="person.uuid")
    given_name = serializers.CharField(source="person.given_name")
    family_name = serializers.CharField(source="person.family_name")
    patronymic = serializers.CharField(source="person.patronymic")
    aliases = serializers.ListField(source="person.aliases", child=serializers.CharField())
    birth_date = serializers.DateField(source="person.birth_date", allow_null=True)
    birth_date_is_estimate = serializers.BooleanField(source="person.birth_date_is_estimate")
    estimated_age = serializers.IntegerField(source="person.estimated_age", allow_null=True)
    cases = CaseRefSerializer(many=True)


class SearchResultSerializer(PersonMatchSerializer):
    score = serializers.FloatField(help_text=_("How well the name matches, 0–100 (100 when no name was given)."))


class CandidateSerializer(PersonMatchSerializer):
    probability = serializers.FloatField()
    band = serializers.ChoiceField(choices=["likely", "possible"])


class CoordinatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class CandidatesSerializer(serializers.Serializer):
    candidates = CandidateSerializer(many=True)
    known_elsewhere = serializers.BooleanField(help_text=_(
        "A likely match exists in a case you may not see: contact the coordinator. Nothing else is said about it."))
    checked_elsewhere = serializers.BooleanField(help_text=_(
        "Whether the query was compared with other institutions' records: only when it gives a given and a "
        "family name, an exact date of birth and a document or phone number."))
    coordinator = CoordinatorSerializer(allow_null=True)


class CandidateQuerySerializer(serializers.Serializer):
    given_name = serializers.CharField(required=False, allow_blank=True)
    family_name = serializers.CharField(required=False, allow_blank=True)
    patronymic = serializers.CharField(required=False, allow_blank=True)
    aliases = serializers.ListField(child=serializers.CharField(), required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    birth_date_is_estimate = serializers.BooleanField(required=False)
    estimated_age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    document_number = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)


class SearchQuerySerializer(serializers.Serializer):
    """The criteria of a person search (POST /api/v1/persons/search/); at least one is needed."""

    q = serializers.CharField(max_length=300, required=False, allow_blank=True,
                              help_text=_("A name in any spelling or script."))
    document = serializers.CharField(max_length=64, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    age_from = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    age_to = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    reference = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                      help_text=_("A case reference, or its number (123 finds NCT-2026-000123)."))


def _form_errors(form):
    return {field: [str(e) for e in errs] for field, errs in form.errors.items()}


class PersonViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, AuditedViewSet):
    serializer_class = PersonSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    reads = selectors.PERSONS  # person.list (the persons shown) and person.view, as the pages
    case_filter = False

    @extend_schema(summary="Register a person without opening a case")
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        institution = policy.acting_institution(self.request.user)
        if institution is None:
            raise NotAllowed
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.create_person(actor=self.request.user, institution=institution, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        if version is None:
            raise ValidationError({"version": [_("Give the version of the record you read, so that no one "
                                                 "else's change is overwritten.")]})
        serializer.instance = services.update_person(actor=self.request.user, person=serializer.instance,
                                                     data=data, expected_version=version)

    @extend_schema(summary="Find persons by any spelling of the name, document number, birth date, age or case "
                           "reference (only persons you may see)",
                   description="The criteria go in the JSON body, never in the address: an address is kept in "
                               "browser histories, proxy and load-balancer logs and Referer headers. The search "
                               "is audited with the names of the criteria given (never their values) and the "
                               "persons and cases shown.",
                   request=SearchQuerySerializer,
                   responses={200: SearchResultSerializer(many=True),
                              400: OpenApiResponse(description="No criterion, or a criterion that is not valid.")})
    @action(detail=False, methods=["post"], pagination_class=None)
    def search(self, request):
        if not policy.can_work_on_cases(request.user):
            raise PermissionDenied
        query = SearchQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        form = SearchForm({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                           for k, v in query.validated_data.items() if v is not None})
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        if not form.has_criteria():
            raise ValidationError({"q": [_("Give a name, a document number, a date of birth, an age range or a "
                                           "case reference.")]})
        criteria = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        results = selectors.search_persons(user=request.user, **criteria)
        selectors.searched(user=request.user, criteria=criteria, results=results, channel="api")
        return Response(SearchResultSerializer(results, many=True).data)

    @extend_schema(summary="Refused: a search in the address (use POST /api/v1/persons/search/)",
                   description="Always 400: what is searched for (names, document numbers, birth dates) would "
                               "stay in the logs and histories that keep addresses. Send the criteria in the "
                               "JSON body of POST /api/v1/persons/search/.",
                   deprecated=True, request=None,
                   responses={400: OpenApiResponse(description="Search with POST /api/v1/persons/search/.")})
    @search.mapping.get
    def search_in_address(self, request):
        if not policy.can_work_on_cases(request.user):
            raise PermissionDenied
        refuse_search_in_address(request, "/api/v1/persons/search/")

    @extend_schema(summary="Likely and possible duplicates of a person about to be registered",
                   description="Matches among the persons you may see. Another institution's person is "
                               "announced (known_elsewhere, never who) only on a strong match: given and family "
                               "name, exact date of birth, and a document or phone number. Limited to "
                               "NICAT_DUPLICATE_CHECKS_PER_HOUR checks per user and hour (429 beyond); every "
                               "check is audited.",
                   request=CandidateQuerySerializer,
                   responses={200: CandidatesSerializer, 400: OpenApiResponse(description="Bad query."),
                              429: OpenApiResponse(description="Too many duplicate checks in the last hour: "
                                                               "try again after Retry-After seconds.")})
    @action(detail=False, methods=["post"])
    def candidates(self, request):
        if not policy.can_work_on_cases(request.user):
            raise PermissionDenied
        query = CandidateQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = dict(query.validated_data)
        form = CandidateForm({**{k: v for k, v in data.items() if k != "aliases"},
                              "aliases": "\n".join(data.get("aliases") or [])})
        if not form.is_valid():
            raise ValidationError(_form_errors(form))
        if not form.has_identity():
            raise ValidationError({"family_name": [_("Give at least a name, a document number or a phone number.")]})
        try:
            result = selectors.duplicate_check(user=request.user, data=form.to_data(), channel="api")
        except selectors.TooManyChecks as refused:
            raise Throttled(wait=refused.retry_after, detail=refused.user_message) from None
        coordinator = result["coordinator"]
        return Response(CandidatesSerializer({
            "candidates": result["candidates"], "known_elsewhere": result["known_elsewhere"],
            "checked_elsewhere": result["checked_elsewhere"],
            "coordinator": {"name": coordinator.name, "phone": coordinator.phone} if coordinator else None,
        }).data)
