"""Foreign and stateless victims, return and reintegration: residence permits, interpreters,
voluntary return, reception of citizens returned from abroad, family reunification and follow-up.

Eligibility for protection never depends on citizenship (see nicat.assistance.eligibility); the
records here describe what a person needs, not what they may have.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class PermitStatus(models.TextChoices):
    NOT_REQUESTED = "not_requested", _("Not requested yet")
    APPLIED = "applied", _("Applied")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ResidencePermit(CaseScopedModel, VersionedModel):
    """Temporary residence permit of a foreign or stateless victim (no state duty is charged)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="residence_permits",
                             verbose_name=_("case"))
    status = models.CharField(_("status"), max_length=20, choices=PermitStatus.choices,
                              default=PermitStatus.NOT_REQUESTED)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    permit_number = EncryptedCharField(_("permit number"), max_length=100)
    note = EncryptedTextField(_("note"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("temporary residence permit")
        verbose_name_plural = _("temporary residence permits")

    @property
    def reflection_period_ends(self):
        """Computed, never stored: the one rule (nicat.legal.rules.reflection_period_end) from the case's first
        contact, so that this page, the identification deadlines and the certificate show the same day."""
        from nicat.legal.rules import reflection_period_end

        return reflection_period_end(self.case.first_contact_at)


class InterpreterNeed(CaseScopedModel):
    """The person needs an interpreter into this language (one row per language)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="interpreter_needs",
                             verbose_name=_("case"))
    language = models.ForeignKey("vocab.Term", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("language"), limit_choices_to={"vocabulary": "language"})
    same_gender_preferred = models.BooleanField(_("an interpreter of the same gender is preferred"), default=False)
    note = EncryptedTextField(_("note"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interpreter need")
        verbose_name_plural = _("interpreter needs")
        constraints = [models.UniqueConstraint(fields=["case", "language"], name="assistance_interpreter_once")]


class ReturnDirection(models.TextChoices):
    VOLUNTARY_RETURN = "voluntary_return", _("Voluntary return of a foreign victim to their country")
    RECEPTION = "reception", _("Reception of a citizen returned from abroad")


class ReturnStatus(models.TextChoices):
    PLANNED = "planned", _("Being prepared")
    COMPLETED = "completed", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


class RiskLevel(models.TextChoices):
    NOT_ASSESSED = "not_assessed", _("Not assessed yet")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class DocumentsStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("No documents needed")
    NEEDED = "needed", _("Needed")
    IN_PROGRESS = "in_progress", _("Being obtained")
    READY = "ready", _("Ready")


class ReturnPlan(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="return_plans",
                             verbose_name=_("case"))
    direction = models.CharField(_("kind"), max_length=20, choices=ReturnDirection.choices)
    country = models.ForeignKey("vocab.Term", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country (to or from)"), limit_choices_to={"vocabulary": "country"})
    status = models.CharField(_("status"), max_length=20, choices=ReturnStatus.choices,
                              default=ReturnStatus.PLANNED)
    risk_level = models.CharField(_("risk on return"), max_length=20, choices=RiskLevel.choices,
                                  default=RiskLevel.NOT_ASSESSED)
    risk_assessed_on = models.DateField(_("risk assessed on"), null=True, blank=True)
    risk_notes = EncryptedTextField(_("risk assessment"))
    documents_status = models.CharField(_("travel documents"), max_length=20, choices=DocumentsStatus.choices,
                                        default=DocumentsStatus.NEEDED)
    documents_notes = EncryptedTextField(_("documents: what is needed, who obtains them"))
    travel_date = models.DateField(_("travel date"), null=True, blank=True)
    travel_notes = EncryptedTextField(_("travel arrangements"))
    receiving_organisation = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, null=True,
                                               blank=True, related_name="+",
                                               verbose_name=_("receiving organisation (in the directory)"))
    receiving_organisation_name = EncryptedCharField(_("receiving organisation (if not in the directory)"),
                                                     max_length=255)
    consulate = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("embassy or consulate assisting"))
    completed_on = models.DateField(_("returned on"), null=True, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")


class ReunificationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested by the person")
    TRACING = "tracing", _("Tracing the family")
    ASSESSED = "assessed", _("Family assessed")
    REUNIFIED = "reunified", _("Reunified")
    NOT_POSSIBLE = "not_possible", _("Not possible or not safe")
    WITHDRAWN = "withdrawn", _("Withdrawn by the person")


class FamilyReunification(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="family_reunifications",
                             verbose_name=_("case"))
    family_member = EncryptedCharField(_("family member (name and relation)"), max_length=255)
    country = models.ForeignKey("vocab.Term", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                verbose_name=_("country"), limit_choices_to={"vocabulary": "country"})
    status = models.CharField(_("status"), max_length=20, choices=ReunificationStatus.choices,
                              default=ReunificationStatus.REQUESTED)
    note = EncryptedTextField(_("note"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("family reunification")
        verbose_name_plural = _("family reunifications")


class FollowUp(CaseScopedModel):
    """A follow-up contact after return (or after leaving a shelter)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="assistance_follow_ups",
                             verbose_name=_("case"))
    return_plan = models.ForeignKey(ReturnPlan, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="follow_ups", verbose_name=_("return"))
    due_on = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = EncryptedTextField(_("outcome"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
