"""REST API of persons: /api/v1/persons/ — always scoped to what the caller may see."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from nicat.access import policy
from nicat.api.fields import TermField
from nicat.audit import services as audit
from nicat.cases.errors import NotAllowed
from nicat.persons import services
from nicat.persons.models import Person


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

    class Meta:
        model = Person
        fields = ["uuid", "given_name", "family_name", "patronymic", "aliases", "birth_date",
                  "birth_date_is_estimate", "estimated_age", "gender", "citizenships", "languages", "documents",
                  "phone", "email", "address", "registered_by", "created_at", "updated_at", "version"]
        read_only_fields = ["uuid", "created_at", "updated_at"]


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    mixins.UpdateModelMixin, viewsets.GenericViewSet):
    serializer_class = PersonSerializer
    lookup_field = "uuid"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (Person.objects.visible_to(self.request.user).select_related("gender", "registered_by_institution")
                .prefetch_related("citizenships", "languages").order_by("-created_at"))

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit.record(actor=request.user, action="person.list", details={
            "channel": "api", "shown": len(response.data.get("results", []))})
        return response

    def get_object(self):
        person = super().get_object()
        if self.request.method == "GET":
            audit.record(actor=self.request.user, action="person.view", obj=person, details={"channel": "api"})
        return person

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
