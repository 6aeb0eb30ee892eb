"""Referrals between institutions, the return of citizens trafficked abroad, and in-app notifications.

A `Referral` goes from one institution to another for one consent purpose, with a message, an
urgency and the sections of the case it shares (only what the purpose needs). While it is
accepted or in progress — and the consent it relies on is valid, or a legal basis was used — the
receiving institution may see the case (nicat.referrals.apps registers the grant), limited to the
shared sections (`nicat.referrals.selectors.shared_sections`).
"""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.consent.models import Purpose
from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.directory.models import ServiceKind
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting response")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled by the sender")
    REVOKED = "revoked", _("Revoked: consent withdrawn")


OPEN_STATUSES = frozenset({Status.PENDING, Status.ACCEPTED, Status.IN_PROGRESS})
ACTIVE_STATUSES = frozenset({Status.ACCEPTED, Status.IN_PROGRESS})  # the receiving institution has access


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency (danger to life or health)")


# Purposes a referral may have (a consent purpose each).
REFERRAL_PURPOSES = (Purpose.REFERRAL, Purpose.SERVICE, Purpose.LAW_ENFORCEMENT, Purpose.CONSULAR_NOTIFICATION,
                     Purpose.RETURN)


class Referral(CaseScopedModel, VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="referrals",
                             verbose_name=_("case"))
    from_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                         verbose_name=_("from"))
    to_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                       verbose_name=_("to"))
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices, db_index=True)
    service = models.CharField(_("service requested"), max_length=30, choices=ServiceKind.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    message = EncryptedTextField(_("message"))
    shared_sections = models.JSONField(_("shared sections"), default=list)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    consent = models.ForeignKey("consent.Consent", on_delete=models.PROTECT, related_name="referrals", null=True,
                                blank=True, verbose_name=_("consent relied on"))
    legal_basis_use = models.ForeignKey("consent.LegalBasisUse", on_delete=models.PROTECT, related_name="referrals",
                                        null=True, blank=True, verbose_name=_("legal basis used"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    deadline_at = models.DateTimeField(_("answer due"), db_index=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    responded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                     blank=True)
    decline_reason = EncryptedTextField(_("reason for declining"))
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = EncryptedTextField(_("reason for cancelling"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["to_institution", "status"], name="referral_to_status"),
                   models.Index(fields=["from_institution", "status"], name="referral_from_status")]
        # One open referral of a case to an institution per purpose, even when several are sent at once.
        constraints = [models.UniqueConstraint(
            fields=["case", "to_institution", "purpose"],
            condition=models.Q(status__in=["pending", "accepted", "in_progress"]), name="referral_one_open")]

    def __str__(self):
        return f"{self.from_institution} → {self.to_institution} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self):
        return self.status == Status.PENDING and self.deadline_at <= timezone.now()

    @property
    def response_time(self):
        return self.responded_at - self.created_at if self.responded_at else None

    @property
    def closed_at(self):
        return self.completed_at or self.cancelled_at or self.revoked_at or (
            self.responded_at if self.status == Status.DECLINED else None)


class EventKind(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    PROGRESS = "progress", _("Progress report")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REVOKED = "revoked", _("Revoked: consent withdrawn")
    RETURN_PLAN = "return_plan", _("Return plan updated")
    ARRIVED = "arrived", _("Arrival and reception")


class ReferralEvent(CaseScopedModel):
    """The timeline of a referral: every status change and progress report, with its time."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    text = EncryptedTextField(_("text"))
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")


class DocumentStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed (the person has valid documents)")
    REQUESTED = "requested", _("Requested")
    ISSUED = "issued", _("Issued (certificate of return or passport)")


class ReturnPlan(CaseScopedModel, VersionedModel):
    """Return of a citizen trafficked abroad: documents, travel and reception on arrival.

    It hangs off the referral from the embassy or consulate to the assistance centre at home: the
    consulate plans, the centre meets the person on arrival and records the reception.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="return_plan")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    documents = models.CharField(_("travel documents"), max_length=20, choices=DocumentStatus.choices,
                                 default=DocumentStatus.REQUESTED)
    travel_date = models.DateField(_("date of travel"), null=True, blank=True)
    arrival_at = models.DateTimeField(_("expected arrival"), null=True, blank=True)
    arrival_point = EncryptedCharField(_("point of arrival (airport, border crossing)"), max_length=200)
    travel_details = EncryptedTextField(_("travel details (flight, escort)"))
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    reception_note = EncryptedTextField(_("reception on arrival"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("return plan")
        verbose_name_plural = _("return plans")


class NotificationKind(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", _("New referral received")
    REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined")
    REFERRAL_PROGRESS = "referral_progress", _("Progress reported on a referral")
    REFERRAL_COMPLETED = "referral_completed", _("Referral completed")
    REFERRAL_CANCELLED = "referral_cancelled", _("Referral cancelled by the sender")
    REFERRAL_REVOKED = "referral_revoked", _("Referral revoked: consent withdrawn")
    REFERRAL_OVERDUE = "referral_overdue", _("Referral not answered in time")
    REFERRAL_CONSENT_EXPIRED = "referral_consent_expired", _("Referral revoked: the consent expired")
    RETURN_PLANNED = "return_planned", _("Return plan updated")
    PERSON_ARRIVED = "person_arrived", _("Arrival recorded")
    LEGAL_BASIS_REQUESTED = "legal_basis_requested", _("A legal basis awaits your approval")
    LEGAL_BASIS_APPROVED = "legal_basis_approved", _("A legal basis was approved")
    LEGAL_BASIS_REJECTED = "legal_basis_rejected", _("A legal basis was rejected")
    CONSENT_TO_CONFIRM = "consent_to_confirm", _("A consent recorded elsewhere awaits your confirmation")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn through another institution")
    CONSENT_WITHDRAWAL_WISH = "consent_withdrawal_wish", _("The person wishes to withdraw a consent: act on it")
    ROLE_GRANT_PENDING = "role_grant_pending", _("A role granted at your institution waits for confirmation")
    ROLE_GRANT_CONFIRMED = "role_grant_confirmed", _("A role granted at your institution took effect")
    SIGN_IN_RESET = "sign_in_reset", _("An administrator reset the sign-in of a colleague at your institution")
    # issue 15: notifications that are true (nicat.work sends most of them)
    STATUS_RECOGNISED = "status_recognised", _("Recognised as a victim of trafficking")
    STATUS_NOT_RECOGNISED = "status_not_recognised", _("Not recognised as a victim of trafficking")
    IDENTIFICATION_RECEIVED = "identification_received", _("A case was received for identification")
    IDENTIFICATION_OVERDUE = "identification_overdue", _(
        "A possible victim was not referred for identification in time")
    BREAK_GLASS_OPENED = "break_glass_opened", _(
        "A supervisor of another institution opened your case (break-glass)")
    APPROVAL_REQUESTED = "approval_requested", _("An approval is requested from your institution")
    APPROVAL_GIVEN = "approval_given", _("Your request was approved")
    APPROVAL_REFUSED = "approval_refused", _("Your request was not approved")
    CASE_ASSIGNED = "case_assigned", _("A case was assigned to you")
    TASK_ASSIGNED = "task_assigned", _("A task was assigned to you")
    DEADLINE_APPROACHING = "deadline_approaching", _("A deadline is approaching")
    REPORT_READY = "report_ready", _("A scheduled report is ready")


class Notification(models.Model):
    """An in-app notice to one staff member. Holds NO identifying data: the kind of event, the case
    reference, and a link (UUIDs only). It is not scoped to the case on purpose: a referral that was
    revoked must still be announced to an institution that no longer sees the case."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="notifications")
    institution = models.ForeignKey("directory.Institution", on_delete=models.CASCADE, related_name="+", null=True)
    kind = models.CharField(_("event"), max_length=30, choices=NotificationKind.choices)
    case_reference = models.CharField(_("case reference"), max_length=32, blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.case_reference}"
