"""Facts the access policy rests on that belong to no other app: break-glass openings and
access-restriction orders."""
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.accounts.models import Role
from nicat.core.models import CaseScopedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class BreakGlass(CaseScopedModel):
    """A supervisor opened a case outside their normal access, with a written reason, for a few hours.

    While it runs, the case is visible to that supervisor (a registered case grant). Every
    opening is shown to the institution that owns the case and waits for review by another
    supervisor.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="break_glass_openings",
                             verbose_name=_("case"))
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("opened by"))
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("on behalf of"))
    reason = EncryptedTextField(_("reason"), blank=False)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    ended_at = models.DateTimeField(_("ended early"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, db_index=True)
    reviewed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True, verbose_name=_("reviewed by"))
    review_note = EncryptedTextField(_("review note"))

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("break-glass opening")
        verbose_name_plural = _("break-glass openings")

    def __str__(self):
        return f"break-glass {self.uuid}"

    @staticmethod
    def running(now=None):
        """The one rule of a running opening, as a filter: not ended early and not yet expired at `now`."""
        return models.Q(ended_at__isnull=True, expires_at__gt=now or timezone.now())

    @property
    def is_running(self):
        return self.ended_at is None and self.expires_at > timezone.now()


class IssuedBy(models.TextChoices):
    PROSECUTOR = "prosecutor", _("Prosecutor")
    COURT = "court", _("Court")


class RestrictionOrder(CaseScopedModel):
    """A prosecutor's or court's decision that ends all access to a case's identifying data except
    for the roles it names. Recorded and lifted by identification officers and supervisors of the
    competent authority (the Main Department)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="restriction_orders",
                             verbose_name=_("case"))
    issued_by = models.CharField(_("issued by"), max_length=20, choices=IssuedBy.choices)
    issuing_body = EncryptedCharField(_("issuing body"), max_length=255,
                                      help_text=_("The prosecutor's office or court, e.g. Baku Court of Appeal."))
    decision_reference = EncryptedCharField(_("decision reference"), max_length=100)
    decided_on = models.DateField(_("decided on"))
    # ",role,role," so that "may this role still see it" is a portable LIKE query on every database.
    allowed_roles = models.CharField(_("roles that keep access"), max_length=400, blank=True, default="")
    active = models.BooleanField(_("in force"), default=True, db_index=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True, verbose_name=_("lifted by"))

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("access-restriction order")
        verbose_name_plural = _("access-restriction orders")

    def __str__(self):
        return f"restriction order {self.uuid}"

    @property
    def role_list(self):
        return [r for r in self.allowed_roles.split(",") if r]

    @role_list.setter
    def role_list(self, roles):
        cleaned = sorted({str(r) for r in roles if r})
        self.allowed_roles = "," + ",".join(cleaned) + "," if cleaned else ""

    def role_labels(self):
        labels = dict(Role.choices)
        return [str(labels.get(r, r)) for r in self.role_list]
