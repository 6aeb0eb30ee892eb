"""The state allowance for officially recognised victims, and compensation claims.

Money flows TO the victim here; nothing is ever charged to them. Amounts are Decimal in AZN.
No double payment: the database refuses a second payment of the same kind and period to the
same person (unique constraint), and the service checks first, under a lock, to say why.
A payment recorded by mistake is never deleted: it is reversed (status "reversed", who, when and why kept on
the row), and a reversed payment counts for nothing — not for "paid once", the totals or the statistics.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.core.models import CaseScopedModel, VersionedModel
from nicat.privacy.fields import EncryptedCharField, EncryptedTextField


class Currency(models.TextChoices):
    AZN = "AZN", _("Azerbaijani manat (AZN)")


class AllowanceKind(models.TextChoices):
    ONE_TIME = "one_time", _("One-time allowance")
    MONTHLY = "monthly", _("Monthly allowance during reintegration")


class PaymentSource(models.TextChoices):
    STATE_BUDGET = "state_budget", _("State budget")
    AID_FUND = "aid_fund", _("Aid Fund for victims of trafficking")


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("Paid")
    REVERSED = "reversed", _("Reversed")


class Reversible(models.Model):
    """What a payment recorded by mistake keeps when it is reversed, never deleted (an allowance or a compensation
    payment; nicat.assistance.services.payments): who reversed it, when and why (the reason sealed: it may name the
    person). A reversed payment counts for nothing since."""

    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PAID)
    reversed_at = models.DateTimeField(_("reversed"), null=True, blank=True)
    reversed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True, verbose_name=_("reversed by"))
    reversal_reason = EncryptedTextField(_("reason for the reversal"))

    class Meta:
        abstract = True

    @property
    def is_reversed(self):
        return self.status == PaymentStatus.REVERSED


class AllowancePayment(CaseScopedModel, VersionedModel, Reversible):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="allowance_payments",
                             verbose_name=_("case"))
    person = models.ForeignKey("persons.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    kind = models.CharField(_("allowance"), max_length=20, choices=AllowanceKind.choices)
    # "" for the one-time allowance, "YYYY-MM" for a monthly one.
    period = models.CharField(_("month"), max_length=7, blank=True, default="")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.AZN)
    paid_on = models.DateField(_("paid on"))
    source = models.CharField(_("paid from"), max_length=20, choices=PaymentSource.choices)
    rule_year = models.PositiveIntegerField(_("rule of the year"))
    payment_reference = EncryptedCharField(_("payment order number"), max_length=100)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-paid_on", "-created_at"]
        verbose_name = _("allowance payment")
        verbose_name_plural = _("allowance payments")
        constraints = [
            # Paid once: among the payments not reversed (a reversed one frees the way for the correct payment).
            models.UniqueConstraint(fields=["person", "kind", "period"], condition=models.Q(status="paid"),
                                    name="assistance_allowance_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="assistance_allowance_positive"),
        ]

    # A payment recorded by mistake is reversed in Nicat (nicat.assistance.services.reverse_allowance): the undo of a
    # merge that would leave the same allowance twice on one record points there (nicat.persons.services).
    reversible = True


class CompensationSource(models.TextChoices):
    OFFENDER = "offender", _("The convicted offender")
    AID_FUND = "aid_fund", _("Aid Fund for victims of trafficking")
    STATE_BUDGET = "state_budget", _("State budget")


class CompensationClaim(CaseScopedModel, VersionedModel):
    """A claim for compensation in criminal proceedings: claimed, awarded, paid."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="compensation_claims",
                             verbose_name=_("case"))
    proceedings_reference = EncryptedCharField(_("criminal case or court file number"), max_length=200)
    court = EncryptedCharField(_("court"), max_length=255)
    claimed_amount = models.DecimalField(_("amount claimed"), max_digits=12, decimal_places=2)
    claimed_on = models.DateField(_("claimed on"))
    awarded_amount = models.DecimalField(_("amount awarded"), max_digits=12, decimal_places=2, null=True, blank=True)
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    paid_amount = models.DecimalField(_("amount paid so far"), max_digits=12, decimal_places=2, default=0)
    last_paid_on = models.DateField(_("last paid on"), null=True, blank=True)
    paid_from = models.CharField(_("paid from"), max_length=20, choices=CompensationSource.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.AZN)
    note = EncryptedTextField(_("note"))
    # The criminal case (nicat.proceedings) in which the claim is made, and whose verdict decides it; set
    # by nicat.proceedings.services.link_compensation. A civil claim paid from the Aid Fund links here too.
    criminal_case = models.ForeignKey("proceedings.CriminalCase", on_delete=models.SET_NULL, null=True, blank=True,
                                      related_name="compensation_claims", verbose_name=_("criminal case"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-claimed_on"]
        verbose_name = _("compensation claim")
        verbose_name_plural = _("compensation claims")
        constraints = [
            models.CheckConstraint(condition=models.Q(claimed_amount__gt=0), name="assistance_claim_positive"),
        ]

    STAGES = {"claimed": _("Claimed"), "awarded": _("Awarded"), "partly_paid": _("Partly paid"),
              "paid": _("Paid in full")}

    @property
    def stage(self):
        """claimed / awarded / partly_paid / paid."""
        if self.paid_amount and self.awarded_amount is not None and self.paid_amount >= self.awarded_amount:
            return "paid"
        if self.paid_amount:
            return "partly_paid"
        if self.awarded_amount is not None:
            return "awarded"
        return "claimed"

    def get_stage_display(self):
        return self.STAGES[self.stage]


class CompensationPayment(CaseScopedModel, VersionedModel, Reversible):
    """One payment towards a claim's award. A payment recorded by mistake (wrong amount, wrong claim) is reversed,
    never deleted (nicat.assistance.services.reverse_compensation_payment): the row stays with who, when and why,
    and counts for nothing since. The claim's `paid_amount`, `last_paid_on` and `paid_from` are kept as the sum and
    the latest of the payments not reversed (statistics and pages read them)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(CompensationClaim, on_delete=models.PROTECT, related_name="payments",
                              verbose_name=_("compensation claim"))
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="compensation_payments",
                             verbose_name=_("case"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.AZN)
    paid_on = models.DateField(_("paid on"))
    paid_from = models.CharField(_("paid from"), max_length=20, choices=CompensationSource.choices, blank=True)
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", null=True)
    institution = models.ForeignKey("directory.Institution", on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Payments recorded before payments were kept one by one, whose trail did not add up to the claim's total: one
    # row for the whole amount paid, dated the last payment (migration 0005).
    carried_over = models.BooleanField(_("payments recorded before this release, as one total"), default=False)

    class Meta:
        ordering = ["-paid_on", "-created_at", "-pk"]
        verbose_name = _("compensation payment")
        verbose_name_plural = _("compensation payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="assistance_compensation_paid_positive"),
        ]
