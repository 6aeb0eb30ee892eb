"""REST API of consent: /api/v1/consents/ — record (given or refused), list, read, withdraw; the legal bases."""
import base64
import binascii

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.access import policy
from nicat.cases.models import Case
from nicat.consent import conversation, legal_bases, selectors, services
from nicat.consent.models import (
    Consent,
    Decision,
    GivenBy,
    LegalBasisUse,
    Method,
    OrderStatus,
    Purpose,
    WithdrawalWish,
    recordable_purposes,
)
from nicat.core.errors import NotAllowed
from nicat.core.viewsets import AuditedViewSet, ListFilter, case_param, choice_param
from nicat.directory.fields import InstitutionRefField
from nicat.directory.models import ServiceKind
from nicat.vocab.fields import TermField


class ConsentSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", help_text=_("The case (its UUID)."))
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    purpose = serializers.ChoiceField(choices=recordable_purposes())
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
    state = serializers.CharField(read_only=True, help_text=_("valid, refused, withdrawn, expired, or unconfirmed (recorded "
                                                              "outside the owner institution: counts once the owner "
                                                              "confirms it)"))
    has_form = serializers.BooleanField(read_only=True)
    recorded_by_institution = serializers.UUIDField(source="recorded_by_institution.uuid", read_only=True)

    class Meta:
        model = Consent
        fields = ["uuid", "case", "case_reference", "purpose", "institution", "service", "decision", "given_by",
                  "representative_name", "representative_relation", "child_view", "method", "interpreter_language",
                  "given_at", "expires_at", "note", "signed_form", "has_form", "state", "recorded_by_institution",
                  "created_at", "confirmed_at", "withdrawn_at", "version"]
        read_only_fields = ["uuid", "created_at", "confirmed_at", "withdrawn_at", "version"]

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
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="",
                                 help_text=_("How and when the person withdrew it (required outside the owner "
                                             "institution)."))
    expressed_by_person = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Outside the institution that owns the case: true when the person told you they withdraw. "
                    "Only such a withdrawal may be recorded there; it takes effect at once and the owner is "
                    "notified."))


class ConsentWithdrawAllSerializer(ConsentWithdrawSerializer):
    case = serializers.UUIDField(help_text=_("The case (its UUID)."))


class ConsentWithdrawAllResultSerializer(serializers.Serializer):
    case = serializers.UUIDField()
    withdrawn = serializers.IntegerField(
        allow_null=True, help_text=_("How many consents were withdrawn; null outside the owner institution (the "
                                     "number would tell of consents given to others)."))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text=_("Required on update: the version you read."))


class ConversationAnswerSerializer(serializers.Serializer):
    topic = serializers.ChoiceField(choices=[(t.key, t.key) for t in conversation.TOPICS],
                                    help_text=_("The purpose asked about: referral, shelter, one of the seven areas "
                                                "of rehabilitation, identification, law_enforcement, "
                                                "consular_notification, family_contact, return, research."))
    answer = serializers.ChoiceField(choices=[(v, str(label)) for v, label in conversation.ANSWERS])
    institution = InstitutionRefField(required=False, allow_null=True,
                                      help_text=_("The institution concerned (required for a referral, the shelter "
                                                  "and the consular notification)."))


class ConversationSerializer(serializers.Serializer):
    case = serializers.UUIDField(help_text=_("The case (its UUID)."))
    given_by = serializers.ChoiceField(choices=GivenBy.choices, required=False, default=GivenBy.PERSON)
    representative_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    representative_relation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    child_view = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    method = serializers.ChoiceField(choices=Method.choices)
    interpreter_language = TermField("language", required=False, allow_null=True)
    given_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    answers = ConversationAnswerSerializer(many=True)


class ConsentViewSet(mixins.CreateModelMixin, AuditedViewSet):
    serializer_class = ConsentSerializer
    reads = selectors.CONSENTS

    def get_queryset(self):
        qs = super().get_queryset()
        purpose = choice_param(self.request, "purpose", Purpose.values)
        if purpose:
            qs = qs.filter(purpose=purpose)
        return qs

    @extend_schema(parameters=[ListFilter("purpose", str, enum=Purpose.values,
                                          description="Only the consents of this purpose.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

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

    @extend_schema(request=ConversationSerializer, responses={201: ConsentSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def conversation(self, request):
        """One consent conversation: every answer (given, refused, not asked) in one atomic, audited submission.
        The owner institution only (403 with the reason for anyone else who sees the case; 404 for a case out
        of sight). Returns the consents recorded."""
        body = ConversationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        case = policy.get_visible_or_404(Case.objects, request.user, uuid=data.pop("case"))
        answers = {}
        for item in data.pop("answers"):
            if item["topic"] in answers:
                raise ValidationError({"answers": [_("Each purpose is answered once.")]})
            answers[item["topic"]] = {"answer": item["answer"], "institution": item.get("institution")}
        if not data.get("given_at"):
            data["given_at"] = timezone.now()
        consents = conversation.record_conversation(actor=request.user, case=case, common=data, answers=answers)
        return Response(ConsentSerializer(consents, many=True, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentWithdrawSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uuid=None):
        consent = selectors.consent_detail(user=request.user, uuid=uuid)
        body = ConsentWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = services.withdraw_consent(actor=request.user, consent=consent, note=body.validated_data["note"],
                                            expressed_by_person=body.validated_data["expressed_by_person"])
        return Response(ConsentSerializer(consent, context={"request": request}).data, status=status.HTTP_200_OK)

    @extend_schema(request=ConsentWithdrawAllSerializer, responses=ConsentWithdrawAllResultSerializer)
    @action(detail=False, methods=["post"], url_path="withdraw-all")
    def withdraw_all(self, request):
        """The person withdraws every consent of the case — also those given to others that the caller does not
        see. Outside the owner institution: only as the person expressed it (`expressed_by_person` and a note);
        it takes effect at once and the owner institution is notified. 404 for a case out of sight."""
        body = ConsentWithdrawAllSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case = policy.get_visible_or_404(Case.objects, request.user, uuid=body.validated_data["case"])
        count = services.withdraw_all_consents(actor=request.user, case=case, note=body.validated_data["note"],
                                               expressed_by_person=body.validated_data["expressed_by_person"])
        owner = services.owner_staff(request.user, case) is not None
        return Response({"case": str(case.uuid), "withdrawn": count if owner else None}, status=status.HTTP_200_OK)

    @extend_schema(request=VersionSerializer, responses=ConsentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, uuid=None):
        """The owner institution confirms a decision recorded elsewhere (state "unconfirmed"): it counts from now."""
        consent = selectors.consent_detail(user=request.user, uuid=uuid)
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = services.confirm_consent(actor=request.user, consent=consent,
                                           expected_version=body.validated_data.get("version"))
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


class LegalBasisOrderSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    institution = serializers.UUIDField(source="institution.uuid", read_only=True, allow_null=True)
    legal_basis_label = serializers.CharField(read_only=True)
    used_by_institution = serializers.UUIDField(source="used_by_institution.uuid", read_only=True, allow_null=True)
    decided_by_institution = serializers.UUIDField(source="decided_by_institution.uuid", read_only=True,
                                                   allow_null=True)
    sections = serializers.ListField(child=serializers.CharField(), read_only=True)
    has_copy = serializers.BooleanField(read_only=True)

    class Meta:
        model = LegalBasisUse
        fields = ["uuid", "case", "case_reference", "purpose", "institution", "legal_basis", "legal_basis_label",
                  "issuing_body", "order_number", "order_date", "has_copy", "copy_sha256", "sections", "reason",
                  "consent_state", "status", "used_by_institution", "used_at", "decided_by_institution", "decided_at",
                  "decision_reason", "version"]
        read_only_fields = fields


class LegalBasisRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    version = serializers.IntegerField(help_text=_("Required on update: the version you read."))


class LegalBasisOrderViewSet(AuditedViewSet):
    """Legal bases used instead of consent: a supervisor of the competent authority sees all and approves or
    rejects (never one they asked for); the owner institution's staff see theirs. `?status=pending|approved|rejected`."""

    serializer_class = LegalBasisOrderSerializer
    reads = selectors.ORDERS  # the list names the orders shown; a read is `consent.legal_basis.view`

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LegalBasisUse.objects.none()
        qs = selectors.orders_for(user=self.request.user,
                                  status=choice_param(self.request, "status", OrderStatus.values) or "")
        case = case_param(self.request)
        return qs.filter(case__uuid=case) if case else qs

    @extend_schema(parameters=[ListFilter("status", str, enum=OrderStatus.values,
                                          description="Only the orders in this state (pending ones come first).")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def object_queryset(self):
        return None  # one order by its id whatever `?status=` says: the selector's own search

    @extend_schema(request=VersionSerializer, responses=LegalBasisOrderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, uuid=None):
        use = selectors.order_for(user=request.user, uuid=uuid)
        if not services.may_approve_legal_bases(request.user):
            raise NotAllowed  # 404, whatever the body says: only the approvers may decide
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        use = services.approve_legal_basis(actor=request.user, use=use,
                                           expected_version=body.validated_data.get("version"))
        return Response(LegalBasisOrderSerializer(selectors.order_for(user=request.user, uuid=use.uuid)).data)

    @extend_schema(request=LegalBasisRejectSerializer, responses=LegalBasisOrderSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, uuid=None):
        use = selectors.order_for(user=request.user, uuid=uuid)
        if not services.may_approve_legal_bases(request.user):
            raise NotAllowed  # 404, whatever the body says: only the approvers may decide
        body = LegalBasisRejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        use = services.reject_legal_basis(actor=request.user, use=use, reason=body.validated_data["reason"],
                                          expected_version=body.validated_data.get("version"))
        return Response(LegalBasisOrderSerializer(selectors.order_for(user=request.user, uuid=use.uuid)).data)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def copy(self, request, uuid=None):
        """The copy of the decision (PDF, JPEG or PNG); the read is audited."""
        use, data, content_type = selectors.order_copy(user=request.user, uuid=uuid, channel="api")
        if data is None:
            return Response({"detail": _("No copy is attached to this legal basis.")},
                            status=status.HTTP_404_NOT_FOUND)
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="decision-{use.uuid}"'
        response["Cache-Control"] = "no-store"
        return response


class WithdrawalWishSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid", help_text=_("The case (its UUID)."))
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    note = serializers.CharField(max_length=5000, help_text=_(
        "What the person said: which consent she withdraws (as she named it), how and when she told you."))
    recorded_by_institution = serializers.UUIDField(source="recorded_by_institution.uuid", read_only=True)
    handled_at = serializers.DateTimeField(read_only=True, allow_null=True)
    handling_note = serializers.SerializerMethodField(help_text=_("What the owner institution did (shown to its "
                                                                  "staff only)."))

    class Meta:
        model = WithdrawalWish
        fields = ["uuid", "case", "case_reference", "note", "recorded_by_institution", "created_at", "handled_at",
                  "handling_note", "version"]
        read_only_fields = ["uuid", "case_reference", "recorded_by_institution", "created_at", "handled_at",
                            "handling_note", "version"]

    def get_handling_note(self, obj) -> str | None:
        request = self.context.get("request")
        if request is None or services.owner_staff(request.user, obj.case) is None:
            return None
        return obj.handling_note


class ResolveWishSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text=_("What you did: which consent you withdrew, or why "
                                                              "none was."))
    version = serializers.IntegerField(help_text=_("Required on update: the version you read."))


class WithdrawalWishViewSet(mixins.CreateModelMixin, AuditedViewSet):
    """The person withdraws a consent not listed to the caller (given to others, which a receiving institution
    does not see). POST records her expressed wish with a note (sealed) — outside the owner institution only;
    nothing is withdrawn, the owner institution is notified and has it on its work list. Read by the owner
    institution's staff (all of its cases') and by the institution that recorded it (its own); `?case=<uuid>`.
    The owner records what it did with `resolve`."""

    serializer_class = WithdrawalWishSerializer
    reads = selectors.WISHES

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        case = policy.get_visible_or_404(Case.objects, self.request.user, uuid=data["case"]["uuid"])
        serializer.instance = services.record_withdrawal_wish(actor=self.request.user, case=case, note=data["note"])

    @extend_schema(request=ResolveWishSerializer, responses=WithdrawalWishSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, uuid=None):
        wish = self.get_object()
        body = ResolveWishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wish = services.resolve_withdrawal_wish(actor=request.user, wish=wish, note=body.validated_data["note"],
                                                expected_version=body.validated_data["version"])
        return self.answer(self.reads.query(request.user).get(pk=wish.pk))
