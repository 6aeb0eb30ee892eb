"""REST API of identification:

* /api/v1/screenings/ — create, read, continue (PATCH with `version`) and complete a screening;
  every response carries the recommendation with its reasons in the reader's language.
* /api/v1/identification/cases/{case uuid}/ — the workflow status, deadlines and protections of a
  case; POST …/refer/ refers it to the competent authority for identification.
* /api/v1/identification/decisions/ — the official decisions (POST records one; identification
  officers of the competent authority only); …/{uuid}/certificate/?lang=az|ru|en prints the PDF.
"""
import base64
import binascii
import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.access import policy
from nicat.access import sections as access_sections
from nicat.cases.models import Case
from nicat.core.viewsets import AuditedViewSet, IdempotentPosts
from nicat.identification import engine, messages, selectors, services
from nicat.identification.models import (
    CertificateLanguage,
    DecisionOutcome,
    ExploitationKind,
    Identification,
    IdentificationDecision,
    Population,
    Screening,
)
from nicat.vocab.fields import TermField


def _case_or_400(user, case_uuid, field="case"):
    case = Case.objects.visible_to(user).filter(uuid=case_uuid).first()
    if case is None:
        raise ValidationError({field: [_("No case with this id is visible to you.")]})
    return case


class IndicatorAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=engine.ANSWERS)
    facts = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ScreeningSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", help_text=_("The case screened (create only)."))
    institution = serializers.UUIDField(source="institution.uuid", read_only=True)
    acts_began_on = serializers.DateField(required=False, allow_null=True)
    population = serializers.ChoiceField(choices=[("", "")] + list(Population.choices), required=False,
                                         allow_blank=True)
    exploitation_kind = serializers.ChoiceField(choices=[("", "")] + list(ExploitationKind.choices),
                                                required=False, allow_blank=True)
    acts = TermField("act", many=True, required=False)
    means = TermField("means", many=True, required=False)
    purposes = TermField("exploitation", many=True, required=False)
    acts_facts = serializers.CharField(required=False, allow_blank=True)
    means_facts = serializers.CharField(required=False, allow_blank=True)
    purpose_facts = serializers.CharField(required=False, allow_blank=True)
    consent_reported = serializers.BooleanField(required=False)
    answers = serializers.DictField(child=IndicatorAnswerSerializer(), required=False,
                                    help_text=_("{indicator code: {answer: yes|no|unknown, facts}}; merged into the "
                                                "answers saved before."))
    complete = serializers.BooleanField(required=False, write_only=True, default=False,
                                        help_text=_("true closes the screening; it can no longer change."))
    version = serializers.IntegerField(required=False, help_text=_("Required on update: the version you read."))
    recommendation = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = ["uuid", "case", "institution", "status", "acts_began_on", "population", "exploitation_kind",
                  "acts", "means", "purposes", "acts_facts", "means_facts", "purpose_facts", "consent_reported",
                  "answers", "complete", "next_step", "indicator_set_version", "recommendation", "created_at",
                  "updated_at", "completed_at", "version"]
        read_only_fields = ["uuid", "status", "next_step", "indicator_set_version", "created_at", "updated_at",
                            "completed_at"]

    def get_recommendation(self, obj) -> dict:
        result = obj.result or {}
        return {**messages.explain(result), "list": result.get("list"), "age": result.get("age"),
                "legal": result.get("legal"), "profile": result.get("profile"),
                "elements": [{k: e.get(k) for k in ("code", "met", "counts", "present", "unanswered")}
                             for e in result.get("elements") or []]}

    def validate(self, attrs):
        if self.instance is not None and "case" in attrs:
            if (attrs["case"] or {}).get("uuid") != self.instance.case.uuid:
                raise ValidationError({"case": [_("A screening stays with its case.")]})
            # its own case, sent back as read: no change (a stale version is then refused as such)
            attrs = {name: value for name, value in attrs.items() if name != "case"}
        return attrs


class ScreeningViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, AuditedViewSet):
    serializer_class = ScreeningSerializer
    reads = selectors.SCREENINGS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("acts", "means", "purposes")

    @staticmethod
    def _service_data(validated):
        data = dict(validated)
        for key in ("case", "complete", "version"):
            data.pop(key, None)
        if "answers" in data:
            data["answers"] = {code: dict(v) for code, v in data["answers"].items()}
        return data

    def perform_create(self, serializer):
        case = _case_or_400(self.request.user, serializer.validated_data["case"]["uuid"])
        serializer.instance = services.save_screening(
            actor=self.request.user, case=case, data_in=self._service_data(serializer.validated_data),
            complete=serializer.validated_data.get("complete", False))

    def perform_update(self, serializer):
        version = serializer.validated_data.get("version")
        if version is None:
            raise ValidationError({"version": [_("Give the version of the screening you read, so that no one "
                                                 "else's answers are overwritten.")]})
        screening = serializer.instance
        serializer.instance = services.save_screening(
            actor=self.request.user, case=screening.case, screening=screening,
            data_in=self._service_data(serializer.validated_data), expected_version=version,
            complete=serializer.validated_data.get("complete", False))


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    state = serializers.CharField()
    due = serializers.SerializerMethodField()
    done_at = serializers.SerializerMethodField()
    late = serializers.BooleanField()

    def _iso(self, value):
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).isoformat()
        return value.isoformat()

    def get_due(self, obj) -> str | None:
        return self._iso(obj.due)

    def get_done_at(self, obj) -> str | None:
        return self._iso(obj.done_at)


class IdentificationSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    referred_to = serializers.UUIDField(source="referred_to.uuid", read_only=True, allow_null=True)
    referred_by_institution = serializers.UUIDField(source="referred_by_institution.uuid", read_only=True,
                                                    allow_null=True)
    decision = serializers.UUIDField(source="decision.uuid", read_only=True, allow_null=True)
    consent = serializers.UUIDField(source="consent.uuid", read_only=True, allow_null=True,
                                    help_text=_("The consent for identification the referral rests on."))
    legal_basis_order = serializers.UUIDField(source="legal_basis_use.uuid", read_only=True, allow_null=True)
    referral_in_force = serializers.SerializerMethodField(
        help_text=_("false once the consent was withdrawn (the Main Department's access ended) or while a legal "
                    "basis awaits approval"))
    trafficking_status = serializers.CharField(source="case.trafficking_status", read_only=True)
    deadlines = serializers.SerializerMethodField()
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Identification
        fields = ["uuid", "case", "status", "trafficking_status", "referred_at", "referred_to",
                  "referred_by_institution", "consent_confirmed", "consent", "legal_basis_order", "referral_in_force",
                  "decision", "residence_permit_discussed_on",
                  "deadlines", "flags", "version"]

    def get_referral_in_force(self, obj) -> bool:
        return services.referral_in_force(obj)

    def get_deadlines(self, obj) -> list:
        return DeadlineSerializer(services.case_deadlines(obj.case, identification=obj), many=True).data

    def get_flags(self, obj) -> list:
        return services.case_flags(obj.case)


class ReferralSerializer(serializers.Serializer):
    """The referral rests on the person's recorded consent for identification (POST /api/v1/consents/ with
    purpose "identification"), or on a legal basis that a supervisor of the competent authority approves."""

    note = serializers.CharField(required=False, allow_blank=True)
    legal_basis = serializers.CharField(required=False, allow_blank=True,
                                        help_text=_("Only when a law requires the referral without consent: a code "
                                                    "from /api/v1/consents/legal-bases/."))
    legal_basis_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    legal_basis_issuing_body = serializers.CharField(required=False, allow_blank=True, max_length=300)
    legal_basis_order_number = serializers.CharField(required=False, allow_blank=True, max_length=100)
    legal_basis_order_date = serializers.DateField(required=False, allow_null=True)
    legal_basis_copy = serializers.CharField(required=False, allow_blank=True,
                                             help_text=_("The copy of the decision, base64-encoded (PDF, JPEG or "
                                                         "PNG)."))
    legal_basis_sections = serializers.ListField(child=serializers.ChoiceField(choices=access_sections.CHOICES),
                                                 required=False)


class IdentificationViewSet(IdempotentPosts, viewsets.GenericViewSet):
    """The identification workflow of a case, addressed by the case's uuid. A referral retried with its
    Idempotency-Key is answered as the first was, instead of "already referred"."""

    serializer_class = IdentificationSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        return Identification.objects.visible_to(self.request.user).select_related("case", "decision")

    def _identification(self, case):
        identification = Identification.objects.visible_to(self.request.user).filter(case=case).first()
        return identification or Identification(case=case)

    @extend_schema(responses=IdentificationSerializer)
    def retrieve(self, request, uuid=None):
        case = policy.get_visible_or_404(Case.objects, request.user, uuid=uuid)
        return Response(IdentificationSerializer(self._identification(case)).data)

    @extend_schema(request=ReferralSerializer, responses={201: IdentificationSerializer})
    @action(detail=True, methods=["post"], serializer_class=ReferralSerializer)
    def refer(self, request, uuid=None):
        case = policy.get_visible_or_404(Case.objects, request.user, uuid=uuid)
        serializer = ReferralSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        latest = Screening.objects.visible_to(request.user).filter(case=case, status="completed").order_by(
            "-completed_at").first()
        data = serializer.validated_data
        copy_bytes = None
        if data.get("legal_basis_copy"):
            try:
                copy_bytes = base64.b64decode(data["legal_basis_copy"], validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError({"legal_basis_copy": [_("The copy of the decision is not valid base64.")]}) \
                    from None
        identification = services.refer_for_identification(
            actor=request.user, case=case, note=data.get("note", ""), screening=latest,
            legal_basis=data.get("legal_basis") or "", legal_basis_reason=data.get("legal_basis_reason") or "",
            order={"issuing_body": data.get("legal_basis_issuing_body") or "",
                   "order_number": data.get("legal_basis_order_number") or "",
                   "order_date": data.get("legal_basis_order_date")},
            copy_bytes=copy_bytes, sections=data.get("legal_basis_sections") or [])
        return Response(IdentificationSerializer(identification).data, status=status.HTTP_201_CREATED)


class DecisionDocumentSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    date = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DecisionSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid")
    institution = serializers.UUIDField(source="institution.uuid", read_only=True)
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    decided_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    liability_note = serializers.CharField(required=False, allow_blank=True)
    documents = DecisionDocumentSerializer(many=True)
    certificate_language = serializers.ChoiceField(choices=CertificateLanguage.choices, required=False)
    version = serializers.IntegerField(write_only=True, help_text=_("The version of the case you read."))

    class Meta:
        model = IdentificationDecision
        fields = ["uuid", "case", "outcome", "decided_on", "institution", "reason", "release_from_liability",
                  "liability_note", "documents", "certificate_language", "created_at", "version"]
        read_only_fields = ["uuid", "institution", "created_at"]

    # Left out of the answer where the caller may not see the narrative section.
    schema_optional_fields = ("reason", "liability_note", "documents")

    def to_representation(self, instance):
        """The reasons, the offences and the documents are the case's "narrative" section (access.sections):
        a reader who does not see it gets the decision without them."""
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:
            access_sections.strip(data, "identification.identificationdecision",
                                  policy.visible_sections(request.user, instance.case))
        return data


class DecisionViewSet(mixins.CreateModelMixin, AuditedViewSet):
    serializer_class = DecisionSerializer
    reads = selectors.DECISIONS

    def reads_audited(self):
        return self.action == "retrieve"  # the certificate is its own read, audited by its service

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        case = _case_or_400(self.request.user, data.pop("case")["uuid"])
        version = data.pop("version")
        data["documents"] = [dict(d) for d in data.get("documents") or []]
        serializer.instance = services.record_decision(actor=self.request.user, case=case, decision=data,
                                                       expected_version=version)

    @extend_schema(parameters=[OpenApiParameter("lang", str, enum=["az", "ru", "en"])],
                   responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def certificate(self, request, uuid=None):
        decision = super().get_object()
        pdf = services.certificate_pdf(actor=request.user, case=decision.case,
                                       language=request.query_params.get("lang") or None)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{decision.case.reference}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
