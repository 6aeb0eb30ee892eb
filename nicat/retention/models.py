"""A person's request to erase or correct their data, and its decision (nicat.retention.services)."""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.access.scoping import ScopedManager
from nicat.core.models import VersionedModel
from nicat.privacy.fields import EncryptedJSONField, EncryptedTextField


class RequestKind(models.TextChoices):
    ERASURE = "erasure", _("Erase my data")
    CORRECTION = "correction", _("Correct my data")


class Requester(models.TextChoices):
    PERSON = "person", _("The person")
    REPRESENTATIVE = "representative", _("The person's legal representative")
    LAWYER = "lawyer", _("The person's lawyer")


# What a supervisor answers to a request (the page's form and the API's decide action).
DECISIONS = [("approve", _("Approve")), ("refuse", _("Refuse"))]


class RequestStatus(models.TextChoices):
    OPEN = "open", _("To decide")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class DataRequest(VersionedModel):
    """What the person (or who acts for them) asked, when, recorded by whom; decided by a supervisor of the
    institution that owns the case. The text is sealed under the person's own data key, so erasing the
    person makes it unreadable too."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+", verbose_name=_("case"))
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    kind = models.CharField(_("request"), max_length=20, choices=RequestKind.choices)
    requested_by = models.CharField(_("asked by"), max_length=20, choices=Requester.choices,
                                    default=Requester.PERSON)
    requested_on = models.DateField(_("asked on"))
    details = EncryptedTextField(_("what was asked"))
    corrections = EncryptedJSONField(_("corrected values"), default=dict)  # {person field: new value}
    # {person field: its value when the request was recorded}: an approval never overwrites a change made since
    corrected_from = EncryptedJSONField(_("values when the request was recorded"), default=dict)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN,
                              db_index=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = EncryptedTextField(_("reason for the decision"))

    objects = ScopedManager()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("request to erase or correct data")
        verbose_name_plural = _("requests to erase or correct data")

    def sealing_key_id(self):
        """Seal the request's texts under the person's data key (nicat.privacy.fields)."""
        return self.person.sealing_key_id()
