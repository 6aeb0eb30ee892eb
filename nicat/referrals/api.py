"""REST API of referrals: /api/v1/referrals/ (list, create, accept, decline, cancel, progress, complete,
return plan, arrival) and /api/v1/notifications/."""
import base64
import binascii

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from nicat.access import sections as access_sections
from nicat.cases.models import Case
from nicat.core.viewsets import CASE_PARAMETER, AuditedViewSet, ListFilter, case_param, choice_param
from nicat.directory.fields import InstitutionRefField
from nicat.directory.models import ServiceKind
from nicat.referrals import notify, selectors, services
from nicat.referrals.models import REFERRAL_PURPOSES, DocumentStatus, Notification, Referral, Status, Urgency


class InstitutionReferralSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.uuid")
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    from_institution = serializers.UUIDField(source="from_institution.uuid", read_only=True)
    to_institution = InstitutionRefField()
    purpose = serializers.ChoiceField(choices=[(p.value, p.label) for p in REFERRAL_PURPOSES])
    service = serializers.ChoiceField(choices=ServiceKind.choices, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    message = serializers.CharField(max_length=services.MAX_MESSAGE, required=False, allow_blank=True)
    shared_sections = serializers.ListField(child=serializers.ChoiceField(choices=access_sections.CHOICES),
                                            allow_empty=False)
    legal_basis = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                        help_text=_("Only when a law requires the referral without consent: a code "
                                                    "from /api/v1/consents/legal-bases/."))
    legal_basis_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=2000)
    legal_basis_issuing_body = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                                     max_length=300,
                                                     help_text=_("The court or prosecutor's office that issued the "
                                                                 "decision."))
    legal_basis_order_number = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                                     max_length=100)
    legal_basis_order_date = serializers.DateField(write_only=True, required=False, allow_null=True)
    legal_basis_copy = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                             help_text=_("The copy of the decision, base64-encoded (PDF, JPEG or "
                                                         "PNG)."))
    legal_basis_sections = serializers.ListField(child=serializers.ChoiceField(choices=access_sections.CHOICES),
                                                 write_only=True, required=False,
                                                 help_text=_("The sections the decision names; shared_sections "
                                                             "must stay within them."))
    legal_basis_status = serializers.CharField(source="legal_basis_use.status", read_only=True, allow_null=True,
                                               help_text=_("pending (nothing is shared yet), approved or rejected"))
    legal_basis_order = serializers.UUIDField(source="legal_basis_use.uuid", read_only=True, allow_null=True)
    status = serializers.CharField(read_only=True)
    consent = serializers.UUIDField(source="consent.uuid", read_only=True, allow_null=True)
    legal_basis_used = serializers.CharField(source="legal_basis_use.legal_basis", read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    response_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = ["uuid", "case", "case_reference", "from_institution", "to_institution", "purpose", "service",
                  "urgency", "message", "shared_sections", "legal_basis", "legal_basis_reason",
                  "legal_basis_issuing_body", "legal_basis_order_number", "legal_basis_order_date",
                  "legal_basis_copy", "legal_basis_sections", "status", "consent", "legal_basis_used",
                  "legal_basis_status", "legal_basis_order", "created_at", "deadline_at", "is_overdue", "responded_at", "response_seconds",
                  "started_at", "completed_at", "cancelled_at", "revoked_at", "version"]
        read_only_fields = ["uuid", "created_at", "deadline_at", "responded_at", "started_at", "completed_at",
                            "cancelled_at", "revoked_at", "version"]

    def get_response_seconds(self, obj) -> int | None:
        rt = obj.response_time
        return int(rt.total_seconds()) if rt is not None else None

    schema_nullable_fields = ("message",)  # null for those who may not read it

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not selectors.message_visible(request.user, instance):
            data["message"] = None
        return data


class ReferralReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)
    version = serializers.IntegerField(required=False, help_text=_("Required on update: the version you read."))


class ReferralNoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, help_text=_("Required on update: the version you read."))


class ReturnPlanSerializer(serializers.Serializer):
    documents = serializers.ChoiceField(choices=DocumentStatus.choices, required=False)
    travel_date = serializers.DateField(required=False, allow_null=True)
    arrival_at = serializers.DateTimeField(required=False, allow_null=True)
    arrival_point = serializers.CharField(max_length=200, required=False, allow_blank=True)
    travel_details = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    arrived_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(required=False, help_text=_("Required on update: the version you read."))


class ArrivalSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, help_text=_(
        "Required to correct an arrival already recorded: the return plan's version you read."))


BOXES = ("incoming", "outgoing")
STATES = ("open", "closed")


class ReferralViewSet(mixins.CreateModelMixin, AuditedViewSet):
    """Referrals of the caller's institutions. `?box=incoming|outgoing`, `?state=open|closed`, `?case=<uuid>`."""

    serializer_class = InstitutionReferralSerializer
    reads = selectors.REFERRALS  # a read shown with its message is `referral.view`, a list showing one `referral.list`
    case_filter = False  # `?case=` below, with the box, the state and the status

    def get_queryset(self):
        user, request = self.request.user, self.request
        state = choice_param(request, "state", STATES) or "open"
        box = choice_param(request, "box", BOXES)
        if box == "incoming":
            qs = selectors.incoming(user=user, state=state)
        elif box == "outgoing":
            qs = selectors.outgoing(user=user, state=state)
        else:
            qs = (selectors.incoming(user=user, state=state) | selectors.outgoing(user=user, state=state))
        status_ = choice_param(request, "status", Status.values)
        if status_:
            qs = qs.filter(status=status_)
        case = case_param(request)
        if case:
            qs = qs.filter(case__uuid=case)
        return qs.distinct().order_by("-created_at", "-id")

    @extend_schema(parameters=[
        ListFilter("box", str, enum=BOXES, description=(
            "Only the referrals your institutions received, or only those they sent (empty: both).")),
        ListFilter("state", str, enum=STATES, description="Open (the default) or closed referrals."),
        ListFilter("status", str, enum=Status.values, description="Only the referrals in this status."),
        CASE_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def object_queryset(self):
        return None  # one referral by its id, whatever box or state the list shows: the selector's own search

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        case_uuid = data.pop("case")["uuid"]
        case = Case.objects.visible_to(self.request.user).filter(uuid=case_uuid).first()
        if case is None:
            raise ValidationError({"case": [_("No case with this id is visible to you.")]})
        encoded = data.pop("legal_basis_copy", "") or ""
        if encoded:
            try:
                data["legal_basis_copy"] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise ValidationError({"legal_basis_copy": [_("The copy of the decision is not valid base64.")]}) \
                    from None
        serializer.instance = services.create_referral(actor=self.request.user, case=case, data=data)

    def _answer(self, request, body_class, call):
        referral = selectors.referral_for(user=request.user, uuid=self.kwargs["uuid"])
        body = body_class(data=request.data)
        body.is_valid(raise_exception=True)
        call(referral, body.validated_data)
        referral = selectors.reload(referral)
        return Response(InstitutionReferralSerializer(referral, context={"request": request}).data)

    @extend_schema(request=ReferralNoteSerializer, responses=InstitutionReferralSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, uuid=None):
        return self._answer(request, ReferralNoteSerializer, lambda r, d: services.accept_referral(
            actor=request.user, referral=r, note=d.get("text", ""), expected_version=d.get("version")))

    @extend_schema(request=ReferralReasonSerializer, responses=InstitutionReferralSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, uuid=None):
        return self._answer(request, ReferralReasonSerializer, lambda r, d: services.decline_referral(
            actor=request.user, referral=r, reason=d["reason"], expected_version=d.get("version")))

    @extend_schema(request=ReferralReasonSerializer, responses=InstitutionReferralSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, uuid=None):
        return self._answer(request, ReferralReasonSerializer, lambda r, d: services.cancel_referral(
            actor=request.user, referral=r, reason=d["reason"], expected_version=d.get("version")))

    @extend_schema(request=ReferralNoteSerializer, responses=InstitutionReferralSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, uuid=None):
        return self._answer(request, ReferralNoteSerializer, lambda r, d: services.report_progress(
            actor=request.user, referral=r, text=d.get("text", "")))

    @extend_schema(request=ReferralNoteSerializer, responses=InstitutionReferralSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, uuid=None):
        return self._answer(request, ReferralNoteSerializer, lambda r, d: services.complete_referral(
            actor=request.user, referral=r, text=d.get("text", ""), expected_version=d.get("version")))

    @extend_schema(methods=["GET"], responses={200: ReturnPlanSerializer, 204: None})
    @extend_schema(methods=["POST"], request=ReturnPlanSerializer, responses=ReturnPlanSerializer)
    @action(detail=True, methods=["get", "post"], url_path="return-plan")
    def return_plan(self, request, uuid=None):
        """The return plan of a referral for return (204 No Content while there is none); POST: the sender plans.
        The receiving centre reads it while the referral is open (404 once declined or closed, like the
        message); every read is audited."""
        referral = selectors.referral_for(user=request.user, uuid=uuid)
        if request.method == "POST":
            body = ReturnPlanSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = dict(body.validated_data)
            version = data.pop("version", None)
            plan = services.save_return_plan(actor=request.user, referral=referral, data=data,
                                             expected_version=version)
            return Response(ReturnPlanSerializer(plan).data, status=status.HTTP_200_OK)
        plan = selectors.return_plan(user=request.user, referral=referral, channel="api")  # NotAllowed: 404
        if plan is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ReturnPlanSerializer(plan).data)

    @extend_schema(request=ArrivalSerializer, responses=ReturnPlanSerializer)
    @action(detail=True, methods=["post"])
    def arrival(self, request, uuid=None):
        referral = selectors.referral_for(user=request.user, uuid=uuid)
        body = ArrivalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = services.record_arrival(actor=request.user, referral=referral,
                                       arrived_at=body.validated_data.get("arrived_at"),
                                       note=body.validated_data.get("note", ""),
                                       expected_version=body.validated_data.get("version"))
        return Response(ReturnPlanSerializer(plan).data)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["uuid", "kind", "case_reference", "link", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's notifications: the kind of event and the case reference, never identifying data."""

    serializer_class = NotificationSerializer
    lookup_field = "uuid"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = Notification.objects.filter(user=self.request.user)
        if choice_param(self.request, "unread", ("1", "true")):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(parameters=[ListFilter("unread", str, enum=["1", "true"],
                                          description="Only the notifications not read yet.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        return Response({"marked": notify.mark_read(actor=request.user)})

