"""Consent: recorded purpose by purpose, refusable, revocable. The gate is `nicat.consent.services.require_consent`.

A `Consent` row is one decision of the person (for a child: of the legal representative, with the
child's own view recorded) about one purpose — given or refused — with how and when it was given
and an optional expiry. Rows are never edited except to record a withdrawal; a new decision is a
new row, and for a given scope the latest decision counts.

A `LegalBasisUse` row is an exception a law imposes (a court or prosecutor's order, a duty to report a
crime): it names the decision (issuing body, number, date, an encrypted copy), the sections it allows to
share, and it acts only once a supervisor of the competent authority — not the requester — approved it
(`status`). Until then nothing rests on it. Shown on the case and audited.

A consent recorded by staff outside the owner institution (the person told them) is the person's
recorded wish: it counts for nothing until the owner institution confirms it (`confirmed_at`).
"""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.directory.models import ServiceKind
from nicat.privacy.fields import EncryptedCharField, EncryptedDateField, EncryptedTextField
from nicat.privacy.storage import EncryptedFileField
from nicat.vocab.models import Term


class Purpose(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("Processing of personal data")
    REFERRAL = "referral", _("Referral to a named institution")
    SERVICE = "service", _("Receiving a service")
    LAW_ENFORCEMENT = "law_enforcement", _("Sharing with law enforcement")
    CONSULAR_NOTIFICATION = "consular_notification", _("Notifying the embassy or consulate")
    FAMILY_CONTACT = "family_contact", _("Contacting the family")
    RETURN = "return", _("Return to the home country")
    RESEARCH = "research", _("Use for research (anonymised)")
    IDENTIFICATION = "identification", _("Referral for identification to the competent authority")
    # "On request" (Repatriation Rules, 10.09.2013; Convention Art. 14): the application discloses the person to
    # the migration authority and is a measure taken for her — only on her request, recorded as this consent.
    RESIDENCE_PERMIT = "residence_permit", _("Applying for a temporary residence permit")


# Purposes no longer recorded (docs/decisions/0007-no-consent-for-processing.md): kept for old rows only.
RETIRED_PURPOSES = frozenset({Purpose.DATA_PROCESSING})


def recordable_purposes():
    return [(value, label) for value, label in Purpose.choices if value not in RETIRED_PURPOSES]


# The general consents (naming no institution) a receiving institution sees besides those given for it: the
# measures of protection and assistance its work may depend on (a service from any provider, a return, contacting
# the family). Sharing with law enforcement, research and (outside the competent authority) identification are
# facts the person shared with others: not shown to a receiver (nicat.consent.selectors.concerning).
RECEIVER_GENERAL_PURPOSES = frozenset({Purpose.SERVICE, Purpose.RETURN, Purpose.FAMILY_CONTACT,
                                       Purpose.RESIDENCE_PERMIT})

# A consent for these purposes must name the institution it is given for.
PURPOSES_NAMING_INSTITUTION = frozenset({Purpose.REFERRAL, Purpose.CONSULAR_NOTIFICATION})


class Decision(models.TextChoices):
    GIVEN = "given", _("Consent given")
    REFUSED = "refused", _("Consent refused")


class GivenBy(models.TextChoices):
    PERSON = "person", _("The person")
    LEGAL_REPRESENTATIVE = "legal_representative", _("The legal representative")


class Method(models.TextChoices):
    WRITTEN = "written", _("In writing (signed form)")
    ORAL = "oral", _("Orally")
    INTERPRETER = "interpreter", _("Orally, with an interpreter")


class SignedFormField(EncryptedFileField):
    """nicat.privacy.storage.EncryptedFileField with a deconstruct that leaves out the validator its __init__
    adds anyway (otherwise every migration state clone appends it once more and makemigrations never settles)."""

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        return name, path, args, kwargs


class Consent(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="consents",
                             verbose_name=_("case"))
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices, db_index=True)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True, verbose_name=_("institution"),
                                    help_text=_("The institution the consent is given for (required for a "
                                                "referral and for notifying an embassy)."))
    service = models.CharField(_("service"), max_length=30, choices=ServiceKind.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    given_by = models.CharField(_("given by"), max_length=30, choices=GivenBy.choices, default=GivenBy.PERSON)
    representative_name = EncryptedCharField(_("name of the legal representative"), max_length=200)
    representative_relation = EncryptedCharField(_("relation to the person"), max_length=200)
    child_view = EncryptedTextField(_("the child's own view"))
    method = models.CharField(_("how it was given"), max_length=20, choices=Method.choices)
    interpreter_language = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True,
                                             blank=True, verbose_name=_("language of the interpretation"),
                                             limit_choices_to={"vocabulary": "language"})
    given_at = models.DateTimeField(_("given on"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    note = EncryptedTextField(_("note"))
    # The signed form: encrypted at rest under a random name by nicat.privacy.storage (PDF, JPEG or PNG).
    signed_form = SignedFormField(_("signed form"), blank=True)
    form_content_type = models.CharField(max_length=40, blank=True)
    form_size = models.PositiveIntegerField(default=0)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    recorded_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                related_name="+", null=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True, db_index=True)
    withdrawn_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    withdrawal_note = EncryptedTextField(_("withdrawal note"))
    # Set when the decision counts: at once for the owner institution's staff; for a wish recorded
    # elsewhere, when the owner institution confirms it.
    confirmed_at = models.DateTimeField(_("confirmed by the owner institution"), null=True, blank=True)
    confirmed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.get_purpose_display()} — {self.get_decision_display()}"

    @property
    def has_form(self):
        return bool(self.signed_form)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    def is_valid(self, at=None):
        at = at or timezone.now()
        # Withdrawn after `at`: it was in force then (a later withdrawal does not undo what was lawful).
        return (self.decision == Decision.GIVEN and (self.withdrawn_at is None or self.withdrawn_at > at) and
                self.given_at <= at and
                self.confirmed_at is not None and (self.expires_at is None or self.expires_at > at))

    @property
    def state(self):
        """valid / refused / withdrawn / expired / unconfirmed (for display)."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.confirmed_at is None:
            return "unconfirmed"
        if self.decision == Decision.REFUSED:
            return "refused"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "valid"

    def covers(self, *, institution=None, service=""):
        """Does this decision apply to `institution` and `service`? A decision that names neither applies to all."""
        if self.institution_id and (institution is None or institution.pk != self.institution_id):
            return False
        if self.service and service and self.service != service:
            return False
        if self.service and not service:
            return False
        return True


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval by the competent authority")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class LegalBasisUse(CaseScopedModel, VersionedModel):
    """An exception to consent that a law imposes: the basis, the decision it rests on, the sections it
    allows to share, who asked, who approved. Nothing rests on it before it is approved."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="legal_basis_uses",
                             verbose_name=_("case"))
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True, verbose_name=_("institution"))
    legal_basis = models.CharField(_("legal basis"), max_length=60)
    reason = EncryptedTextField(_("reason"), blank=False)
    used_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    used_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                            null=True)
    used_at = models.DateTimeField(_("used on"), default=timezone.now)
    # The decision that imposes it (a court's or a prosecutor's order).
    issuing_body = EncryptedCharField(_("issued by"), max_length=300)
    order_number = EncryptedCharField(_("number of the decision"), max_length=100)
    order_date = EncryptedDateField(_("date of the decision"))
    order_copy = SignedFormField(_("copy of the decision"), blank=True)
    copy_content_type = models.CharField(max_length=40, blank=True)
    copy_size = models.PositiveIntegerField(default=0)
    copy_sha256 = models.CharField(max_length=64, blank=True)
    sections = models.JSONField(_("sections the decision names"), default=list)
    # The person's own decision for the scope when the basis was invoked (missing, refused, withdrawn …):
    # a refusal stays visible next to the order that overrides it.
    consent_state = models.CharField(_("the person's consent at the time"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING,
                              db_index=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    decided_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                               null=True, blank=True)
    decided_at = models.DateTimeField(_("approved or rejected on"), null=True, blank=True)
    decision_reason = EncryptedTextField(_("reason given by the approver"))

    class Meta:
        ordering = ["-used_at", "-id"]
        verbose_name = _("use of a legal basis")
        verbose_name_plural = _("uses of a legal basis")

    @property
    def legal_basis_label(self):
        from nicat.consent.legal_bases import label

        return label(self.legal_basis)

    @property
    def is_approved(self):
        return self.status == OrderStatus.APPROVED

    @property
    def has_copy(self):
        return bool(self.order_copy)


class WithdrawalWish(CaseScopedModel, VersionedModel):
    """The person told an institution other than the owner that she withdraws a consent that institution does not
    see (given to the police, an embassy, another institution …). Nothing is withdrawn by it: the receiver records
    her expressed wish with a note (sealed under the person's key); the owner institution, which sees every
    consent, is notified and has it on its work list until it acts on it (`handled_at`, with what it did). The
    recorder learns nothing of the other consents: it sees its own wish only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="withdrawal_wishes",
                             verbose_name=_("case"))
    note = EncryptedTextField(_("what the person said"), blank=False)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    recorded_by_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT,
                                                related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    handled_at = models.DateTimeField(_("acted on"), null=True, blank=True, db_index=True)
    handled_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                   blank=True)
    handling_note = EncryptedTextField(_("what the owner institution did"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("wish to withdraw a consent")
        verbose_name_plural = _("wishes to withdraw a consent")
