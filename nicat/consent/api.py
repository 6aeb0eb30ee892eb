"""REST API of consent: /api/v1/consents/ — record (given or refused), list, read, withdraw; the legal bases."""
import base64
import binascii
import uuid as uuidlib

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.access import policy
from nicat.vocab.fields import TermField
from nicat.audit import services as audit
from nicat.cases.models import Case
from nicat.consent import legal_bases, selectors, services
from nicat.consent.models import Consent, Decision, GivenBy, Method, Purpose
from nicat.directory.fields import InstitutionRefField
from nicat.directory.models import ServiceKind


class ConsentSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", help_text=_("The case (its UUID)."))
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    decision = serializers.ChoiceField(choices=Decision.choices)
    institution = InstitutionRefField(required=False, allow_null=True)
    service = serializers.ChoiceField(choices=ServiceKind.choices, required=False, allow_blank=True)
    given_by = serializers.ChoiceField(choices=GivenBy.choices, required=False)
    representative_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    representative_relation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    child_view = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    method = serializers.ChoiceField(choices=Method.choices)
    interpreter_language = TermField("language", required=False, allow_null=True)
    given_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    signed_form = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                        help_text=_("The signed form, base64-encoded (PDF, JPEG or PNG; at most "
                                                    "2 MB). Download it from /api/v1/consents/<uuid>/form/."))
    state = serializers.CharField(read_only=True, help_text=_("valid, refused, withdrawn or expired"))
    has_form = serializers.BooleanField(read_only=True)
    recorded_by_institution = serializers.UUIDField(source="recorded_by_institution.uuid", read_only=True)

    class Meta:
        model = Consent
        fields = ["uuid", "case", "case_reference", "purpose", "institution", "service", "decision", "given_by",
                  "representative_name", "representative_relation", "child_view", "method", "interpreter_language",
                  "given_at", "expires_at", "note", "signed_form", "has_form", "state", "recorded_by_institution",
                  "created_at", "withdrawn_at", "version"]
        read_only_fields = ["uuid", "created_at", "withdrawn_at", "version"]

    PRIVATE = ("representative_name", "representative_relation", "child_view", "note")
    schema_nullable_fields = PRIVATE  # null for those who may not see the details

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not selectors.details_visible(request.user, instance.case):
            for name in self.PRIVATE:
                data[name] = None
        return data


class ConsentWithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class ConsentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    serializer_class = ConsentSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        qs = (Consent.objects.visible_to(self.request.user)
              .select_related("case", "institution", "interpreter_language", "recorded_by_institution"))
        case = self.request.query_params.get("case")
        if case:
            try:
                qs = qs.filter(case__uuid=uuidlib.UUID(case))
            except ValueError:
                raise ValidationError({"case": [_("Give the case's id (a UUID).")]}) from None
        purpose = self.request.query_params.get("purpose")
        if purpose:
            qs = qs.filter(purpose=purpose)
        return qs

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        audit.record(actor=request.user, action="consent.list", details={
            "channel": "api", "shown": len(response.data.get("results", []))})
        return response

    def get_object(self):
        consent = super().get_object()
        if self.request.method == "GET":
            audit.record(actor=self.request.user, action="consent.view", obj=consent, case=consent.case,
                         details={"channel": "api"})
        return consent

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        case_uuid = data.pop("case")["uuid"]
        case = Case.objects.visible_to(self.request.user).filter(uuid=case_uuid).first()
        if case is None:
            raise ValidationError({"case": [_("No case with this id is visible to you.")]})
        encoded = data.pop("signed_form", "") or ""
        form_bytes = None
        if encoded:
            try:
                form_bytes = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError({"signed_form": [_("The signed form is not valid base64.")]}) from None
        serializer.instance = services.record_consent(actor=self.request.user, case=case, data=data,
                                                      form_bytes=form_bytes)

    @extend_schema(request=ConsentWithdrawSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uuid=None):
        consent = policy.get_visible_or_404(Consent.objects, request.user, uuid=uuid)
        body = ConsentWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = services.withdraw_consent(actor=request.user, consent=consent, note=body.validated_data["note"])
        return Response(ConsentSerializer(consent, context={"request": request}).data, status=status.HTTP_200_OK)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def form(self, request, uuid=None):
        """The signed form (PDF, JPEG or PNG); the read is audited."""
        consent, data, content_type = selectors.consent_form(user=request.user, uuid=uuid)
        if data is None:
            return Response({"detail": _("No signed form is attached to this consent.")},
                            status=status.HTTP_404_NOT_FOUND)
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="consent-{consent.uuid}"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(responses=inline_serializer("LegalBasis", {
        "code": serializers.CharField(), "label": serializers.CharField(),
        "purposes": serializers.ListField(child=serializers.CharField())}, many=True))
    @action(detail=False, methods=["get"], url_path="legal-bases", pagination_class=None)
    def legal_bases(self, request):
        """The configured legal bases that may replace consent, with the purposes each allows."""
        return Response([{"code": b["code"], "label": legal_bases.label(b["code"]),
                          "purposes": b.get("purposes") or list(Purpose.values)}
                         for b in legal_bases.legal_bases()])
