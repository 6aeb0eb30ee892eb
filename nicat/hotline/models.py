"""The hotline's contacts (calls, chats, e-mails, walk-ins, web forms) and the alerts urgent ones raise.

A contact is not a case: it stays a contact unless it becomes a new case or is linked to an existing
one. It holds no identity unless the caller agrees (`identity_consent`); everything that could
identify someone — a name, a phone number, a place, free-text notes — is encrypted at rest
(nicat.privacy). Only the hotline's own operators and supervisors see contacts (the access policy's
rule for "hotline.contact"); the duty service sees the alert, never the contact.
"""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.core.models import ScopedManager, VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField
from nicat.vocab.models import Term


class Channel(models.TextChoices):
    CALL = "call", _("Phone call")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("E-mail")
    WALK_IN = "walk_in", _("Walk-in")
    WEB_FORM = "web_form", _("Web form (ask for help)")


class CallerType(models.TextChoices):
    PERSON_AT_RISK = "person_at_risk", _("The person at risk")
    RELATIVE = "relative", _("A relative")
    THIRD_PARTY = "third_party", _("A third party")
    ANONYMOUS = "anonymous", _("Anonymous")
    INSTITUTION = "institution", _("An institution")


class Reason(models.TextChoices):
    INFORMATION = "information", _("Information")
    JOB_OFFER_ABROAD = "job_offer_abroad", _("Consultation on a job offer abroad")
    SUSPECTED = "suspected", _("Report of a suspected situation")
    HELP = "help", _("Request for help")
    DANGER_NOW = "danger_now", _("Victim in danger now")


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered, nothing more to do")
    REFERRED = "referred", _("Referred to a service")
    FOLLOW_UP = "follow_up", _("Follow-up needed")
    CALLBACK = "callback", _("Callback agreed")
    DUTY_SERVICE = "duty_service", _("Passed to the duty service")
    NEW_CASE = "new_case", _("Became a new case")
    LINKED_CASE = "linked_case", _("Linked to an existing case")
    DROPPED = "dropped", _("Contact broke off")


OPEN_OUTCOMES = frozenset({Outcome.FOLLOW_UP, Outcome.CALLBACK})
CASE_OUTCOMES = frozenset({Outcome.NEW_CASE, Outcome.LINKED_CASE})


class Urgency(models.TextChoices):
    DANGER_NOW = "danger_now", _("in danger now")
    CHILD = "child", _("a child")
    LOCATION = "location", _("a location was given")


class Contact(VersionedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("contact reference"), max_length=32, unique=True, editable=False)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("hotline"))
    operator = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                 blank=True, verbose_name=_("operator"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.CALL)
    started_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    caller_type = models.CharField(_("who contacted"), max_length=20, choices=CallerType.choices,
                                   default=CallerType.ANONYMOUS)
    language = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                                 verbose_name=_("language"), limit_choices_to={"vocabulary": "language"})
    region = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                               verbose_name=_("region"), limit_choices_to={"vocabulary": "region"})
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, default=Reason.INFORMATION)
    gave_information = models.BooleanField(_("information given"), default=False)
    gave_consultation = models.BooleanField(_("consultation given"), default=False)
    gave_referral = models.BooleanField(_("referral given"), default=False)
    referred_to = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True, verbose_name=_("referred to"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.ANSWERED,
                               db_index=True)
    follow_up_due = models.DateTimeField(_("follow-up or callback due"), null=True, blank=True)
    # About the person concerned (not necessarily the caller): for triage. An age alone identifies no one.
    subject_age = models.PositiveSmallIntegerField(_("age of the person concerned (estimate)"), null=True,
                                                   blank=True)
    subject_is_child = models.BooleanField(_("the person concerned is a child"), default=False)
    # Identity and anything identifying: only with the caller's agreement, and encrypted.
    identity_consent = models.BooleanField(_("the caller agrees to give their identity"), default=False)
    caller_name = EncryptedCharField(_("caller's name"), max_length=200)
    phone = EncryptedCharField(_("phone"), max_length=100)
    safe_contact = EncryptedTextField(_("how to reach the person safely"))
    location = EncryptedTextField(_("location"))
    notes = EncryptedTextField(_("notes"))
    urgent = models.BooleanField(_("urgent"), default=False, db_index=True)
    urgency = models.JSONField(_("why urgent"), default=list, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                             verbose_name=_("case"))
    # The contact's own data key (nicat.privacy.personkeys): its identifying details are sealed under it, so
    # that destroying it when they are forgotten (retention, or the erasure of the person of its case)
    # leaves them unreadable in backups too. Given only when the contact holds an identifying detail.
    data_key_id = models.CharField(max_length=16, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()  # the policy's rule for "hotline.contact": its own hotline only

    IDENTIFYING = ("caller_name", "phone", "safe_contact", "location", "notes")

    def save(self, *args, **kwargs):
        from nicat.privacy import personkeys

        if not self.data_key_id and any(getattr(self, name) for name in self.IDENTIFYING):
            self.data_key_id = personkeys.create_key()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "data_key_id"}
        super().save(*args, **kwargs)

    def sealing_key_id(self):
        """The key the identifying details are sealed under (nicat.privacy.fields); None: the field keys."""
        return self.data_key_id or None

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("hotline contact")
        verbose_name_plural = _("hotline contacts")

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.outcome in OPEN_OUTCOMES


class ContactReferenceCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class Alert(models.Model):
    """An urgent contact announced to the competent authority's duty service. Holds no identifying data:
    the contact's reference, why it is urgent, the region and the hotline to call back."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="alert")
    duty_institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                         null=True, verbose_name=_("duty service"))
    reasons = models.JSONField(default=list)
    raised_at = models.DateTimeField(_("raised"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                        blank=True, verbose_name=_("acknowledged by"))
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("hotline alert")
        verbose_name_plural = _("hotline alerts")

    def __str__(self):
        return f"{self.contact.reference} ({self.raised_at:%Y-%m-%d %H:%M})"

    @property
    def reason_labels(self):
        return [str(Urgency(code).label) for code in self.reasons if code in Urgency.values]
