"""REST API of the hotline: /api/v1/calls/ — list, record, read and update its contacts (calls, chats,
e-mails, walk-ins, web-form requests), for the hotline's own tools. Only the hotline's operators and
supervisors may use it (403 for every other role); another hotline's contact is a 404."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers

from nicat.access import predicates
from nicat.core.viewsets import AuditedViewSet
from nicat.directory.fields import InstitutionRefField
from nicat.hotline import selectors, services
from nicat.hotline.models import CallerType, Channel, Contact, Outcome, Reason, Urgency
from nicat.vocab.fields import TermField


class IsHotlineStaff(permissions.BasePermission):
    message = _("Only the hotline's operators and supervisors work with hotline contacts.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and predicates.is_hotline_staff(request.user))


class WholeNumberField(serializers.IntegerField):
    """An integer as the schema says: 5 or "5", never 5.0, "5.0" or true (DRF would take them)."""

    def to_internal_value(self, data):
        if isinstance(data, (bool, float)) or (isinstance(data, str) and not data.strip().lstrip("-").isdigit()):
            self.fail("invalid")
        return super().to_internal_value(data)


class ContactSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text=_("HL-<year>-<number>: carries no personal data."))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    caller_type = serializers.ChoiceField(choices=CallerType.choices, required=False)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, required=False,
        help_text=_("new_case and linked_case are set when the contact becomes or joins a case (pages "
                    "“Open a case” / “Link to a case”); sending them is refused with 400."))
    language = TermField("language", required=False, allow_null=True)
    region = TermField("region", required=False, allow_null=True)
    referred_to = InstitutionRefField(required=False, allow_null=True)
    caller_name = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                        help_text=_("Only with identity_consent. Encrypted at rest."))
    phone = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                  help_text=_("Only with identity_consent. Encrypted at rest."))
    safe_contact = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    location = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                     help_text=_("Where the person is now. A location makes the contact urgent."))
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    urgency = serializers.ListField(child=serializers.ChoiceField(choices=Urgency.choices), read_only=True,
                                    help_text=_("Why the contact is urgent (an alert went to the duty service)."))
    case = serializers.UUIDField(source="case.uuid", read_only=True, allow_null=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True, allow_null=True)
    duration_minutes = WholeNumberField(required=False, allow_null=True, min_value=0, max_value=1440)
    subject_age = WholeNumberField(required=False, allow_null=True, min_value=0, max_value=120)
    version = WholeNumberField(required=False, help_text=_(
        "Required on update: the version you read (409 when someone changed the contact since)."))

    class Meta:
        model = Contact
        fields = ["uuid", "reference", "channel", "started_at", "duration_minutes", "caller_type", "language",
                  "region", "reason", "gave_information", "gave_consultation", "gave_referral", "referred_to",
                  "outcome", "follow_up_due", "subject_age", "subject_is_child", "identity_consent", "caller_name",
                  "phone", "safe_contact", "location", "notes", "urgent", "urgency", "case", "case_reference",
                  "created_at", "updated_at", "version"]
        read_only_fields = ["uuid", "urgent", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As on the edit page: an update may keep the institution the caller was sent to after it closed.
        if isinstance(self.instance, Contact):
            self.fields["referred_to"].queryset = selectors.referral_choices(self.instance)


@extend_schema_view(
    list=extend_schema(summary="The hotline's contacts", description="Newest first. Every read is audited."),
    create=extend_schema(summary="Record a contact", description=(
        "An urgent contact (reason danger_now, a child, or a location) alerts the duty service at once.")),
    retrieve=extend_schema(summary="One contact"),
    update=extend_schema(summary="Update a contact (with the version you read)"),
    partial_update=extend_schema(summary="Update some fields of a contact (with the version you read)"),
)
class ContactViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, AuditedViewSet):
    # Read through the selector's `CONTACTS` (nicat.core.reads): the list recorded with the contacts it
    # shows, a read with the contact's hotline. (A comment, not a docstring: it would be the schema's text.)
    serializer_class = ContactSerializer
    permission_classes = [permissions.IsAuthenticated, IsHotlineStaff]
    reads = selectors.CONTACTS
    case_filter = False  # no `?case=`: contacts are looked for on the hotline's pages

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("version", None)
        serializer.instance = services.record_contact(actor=self.request.user, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = services.update_contact(actor=self.request.user, contact=serializer.instance,
                                                      data=data, expected_version=version)
