"""The state allowance (paid once) and compensation claims in criminal proceedings.

Amounts come from the legal parameters in force on the day the right arose — the official
recognition — (nicat.legal; nicat.assistance.conf.allowance_rule_for), never from the person
entering the payment. A second payment of the same kind and period to the same person is
refused: the person's row is locked while the service checks, and a unique constraint makes the
database refuse it even if that check were bypassed.

A payment recorded by mistake (on the wrong case, twice, a wrong amount or month) is never deleted: the
supervisor of the institution that recorded it (of the case's owner once a shelter or centre that recorded it no
longer works on the case: `predicates.payment_reverser`) reverses it with the reason (`reverse_allowance`). The row stays,
marked reversed, and counts for nothing since: the correct payment can then be recorded. A compensation payment
likewise (`reverse_compensation_payment`): its claim's total paid goes down, so the rest of the award can be paid.
"""
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from nicat.access import policy, predicates
from nicat.assistance import conf, eligibility
from nicat.assistance.models import (
    AllowanceKind,
    AllowancePayment,
    CompensationClaim,
    CompensationPayment,
    CompensationSource,
    PaymentSource,
    PaymentStatus,
)
from nicat.assistance.services._common import (
    PAYMENT_ROLES,
    atomic_edit,
    bump_version,
    not_in_future,
    require_case_role,
    require_visible,
    snapshot,
    text,
)
from nicat.audit import services as audit
from nicat.persons.services import hold_person_of

PAYMENT_FIELDS = ("kind", "period", "amount", "currency", "paid_on", "source", "rule_year", "payment_reference")
CLAIM_FIELDS = ("proceedings_reference", "court", "claimed_amount", "claimed_on", "awarded_amount", "awarded_on",
                "paid_amount", "last_paid_on", "paid_from", "note")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def money(value, field):
    """A positive amount with at most two decimals, as Decimal; else a ValidationError on `field`."""
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter an amount in manat, for example 700 or 700.50.")}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: _("Enter an amount greater than zero.")})
    # Before rounding: quantize() of a number with more digits than the context holds (1e30) raises.
    if amount >= Decimal("10000000000"):
        raise ValidationError({field: _("This amount is too large. Check it.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: _("Enter the amount with at most two decimals (qəpik).")})
    return amount.quantize(Decimal("0.01"))


def require_payer(actor, case):
    """The institution that records the allowance and compensation of `case`'s person
    (nicat.access.predicates.payer_for): the one that owns the case, or a state shelter or assistance centre
    working on it. Another institution the case was referred to sees the payments and is refused with the
    reason (PermissionDenied)."""
    require_case_role(actor, case, PAYMENT_ROLES)
    institution = predicates.payer_for(actor, case)
    if institution is None:
        raise policy.Refused(_(
            "Only %(owner)s, which owns the case, or a state shelter or assistance centre working on it records "
            "the allowance and compensation of its person. Tell them what was paid or decided.")
            % {"owner": case.owner_institution.name})
    return institution


def _payments_of(person):
    """The allowances paid to the person: on this record and on every record the coordinator merged into it (a
    merge of a merge too) — a payment made on the other record before the merge was paid to the same woman."""
    payments = AllowancePayment.objects.of(person, via="person")
    for record in person.records_merged_in():
        payments = payments | AllowancePayment.objects.of(record, via="person")
    return payments.filter(status=PaymentStatus.PAID)  # a reversed payment was not paid


def _already_paid(existing, actor):
    """The refusal of a second payment. The case it was paid on is named only to whom it is visible: the person's
    case at another institution (two records merged by the coordinator) is not, and its reference is what a
    break-glass opening asks for."""
    facts = {"day": formats.date_format(existing.paid_on, "SHORT_DATE_FORMAT"), "amount": existing.amount}
    if policy.visible_cases(actor).filter(pk=existing.case_id).exists():
        return _("This allowance was already paid to the person on %(day)s (%(amount)s AZN, case %(ref)s). It is "
                 "paid only once; nothing was recorded.") % {**facts, "ref": existing.case.reference}
    return _("This allowance was already paid to the person on %(day)s (%(amount)s AZN), by another institution. It "
             "is paid only once; nothing was recorded.") % facts


def right_arose_on(case, paid_on=None):
    """The day the right to the allowance arose: the official recognition (the decision's date)."""
    return case.status_decided_on or paid_on


def allowance_due(*, case, kind, paid_on):
    """(amount, rule_year, rule) the legal parameters in force on the day of recognition set for this kind of
    allowance — a victim recognised in 2019 receives the 2019 amount, whenever it is paid — or ValidationError."""
    arose = right_arose_on(case, paid_on)
    rule = conf.allowance_rule_for(arose)
    if rule is None:
        raise ValidationError({"paid_on": _("No allowance amount applies on %(day)s, the day the person was "
                                            "recognised. Ask the administrator to record it, with its legal act, "
                                            "under Legal parameters.") % {"day": arose.isoformat()}})
    year = rule["valid_from"].year
    amount = rule["one_time"] if kind == AllowanceKind.ONE_TIME else rule["monthly"]
    if amount is None:
        if kind == AllowanceKind.MONTHLY:
            raise ValidationError({"kind": _("The rules in force since %(year)s set no monthly allowance.")
                                   % {"year": year}})
        raise ValidationError({"kind": _("The rules in force since %(year)s set no one-time allowance.")
                               % {"year": year}})
    return amount, year, rule


def pay_allowance(*, actor, case, kind, paid_on, source, period="", payment_reference=""):
    """Record a payment of the state allowance to an officially recognised victim. Never twice."""
    institution = require_payer(actor, case)
    answer = eligibility.allowance(case)
    if not answer:
        raise ValidationError({"case": answer.reason})
    errors = {}
    if kind not in AllowanceKind.values:
        errors["kind"] = _("Choose the one-time or the monthly allowance.")
    if source not in PaymentSource.values:
        errors["source"] = _("Choose where the money comes from: the state budget or the Aid Fund.")
    if paid_on is None:
        errors["paid_on"] = _("Enter the date of the payment.")
    period = text(period)
    if kind == AllowanceKind.ONE_TIME and period:
        errors["period"] = _("The one-time allowance has no month. Leave the month empty.")
    if kind == AllowanceKind.MONTHLY and not PERIOD.match(period):
        errors["period"] = _("Enter the month the payment is for, as YYYY-MM (for example 2026-03).")
    if errors:
        raise ValidationError(errors)
    not_in_future(paid_on, "paid_on", _("The payment date is in the future. Record payments once they are made."))
    arose = right_arose_on(case, paid_on)
    day = formats.date_format(arose, "SHORT_DATE_FORMAT")
    if paid_on < arose:
        errors["paid_on"] = _("The person was recognised as a victim on %(day)s; the allowance cannot have been "
                              "paid before the right to it arose. Check the date.") % {"day": day}
    if kind == AllowanceKind.MONTHLY and period < f"{arose:%Y-%m}":
        errors["period"] = _("The person was recognised as a victim on %(day)s; the monthly allowance is paid from "
                             "that month. Check the month.") % {"day": day}
    if errors:
        raise ValidationError(errors)
    amount, rule_year, rule = allowance_due(case=case, kind=kind, paid_on=paid_on)
    with transaction.atomic():
        # One payer at a time per person: the second waits here, then sees the first payment.
        # The person's payments across all their cases, whichever institution paid them: the person is held
        # through the case — the one it has now, not the one read with it (a merge or its undo may have moved it).
        person = hold_person_of(case)
        existing = _payments_of(person).select_related("case").filter(kind=kind, period=period).first()
        if existing is not None:
            raise ValidationError({"kind": _already_paid(existing, actor)})
        if kind == AllowanceKind.MONTHLY:
            months = _payments_of(person).filter(kind=kind).count()
            if months >= rule["monthly_max_months"]:
                raise ValidationError({"period": _("The monthly allowance has been paid for %(n)s months, the most "
                                                   "the rules allow.") % {"n": months}})
        payment = AllowancePayment(case=case, person_id=person.pk, kind=kind, period=period, amount=amount,
                                   paid_on=paid_on, source=source, rule_year=rule_year,
                                   payment_reference=text(payment_reference), recorded_by=actor,
                                   institution=institution)
        try:
            with transaction.atomic():
                payment.save()
        except IntegrityError:
            existing = _payments_of(person).select_related("case").filter(kind=kind, period=period).first()
            raise ValidationError({"kind": _already_paid(existing, actor) if existing else _(
                "This allowance was already paid. Nothing was recorded.")}) from None
        audit.record(actor=actor, action="allowance.pay", obj=payment, case=case, institution=institution,
                     changes=audit.diff(AllowancePayment, {}, snapshot(payment, PAYMENT_FIELDS)))
    return payment


def may_reverse(user, payment):
    """The institution on whose behalf `user` may reverse `payment` (a supervisor of the institution that recorded
    it while it is still a payer of the case, else of the case's owner: `predicates.reverser_for`), or None.
    Nothing for a payment already reversed."""
    if payment.status != PaymentStatus.PAID:
        return None
    return predicates.reverser_for(user, payment.case, payment.institution)


def require_reverser(actor, payment):
    """The institution on whose behalf `actor` reverses `payment`, or the refusal with its reason: NotAllowed (404)
    when the case is not visible, Refused (403) to whom is not a supervisor of the institution that reverses it
    (`predicates.reverser_for`: the recorder while it works on the case, else the owner; one that sees the case
    only by break-glass reverses nothing), naming that institution, and to anyone once it is reversed."""
    case = payment.case
    require_visible(actor, case)
    if payment.status == PaymentStatus.REVERSED:
        raise policy.Refused(_("This payment has already been reversed; nothing was changed."))
    institution = predicates.reverser_for(actor, case, payment.institution)
    if institution is None:
        recorder = payment.institution or case.owner_institution
        reverser = predicates.payment_reverser(case, payment.institution)
        if reverser.pk == recorder.pk:
            raise policy.Refused(_(
                "Only a supervisor of %(institution)s, which recorded this payment, reverses it. Ask them; nothing "
                "was changed.") % {"institution": recorder.name})
        raise policy.Refused(_(
            "%(recorder)s, which recorded this payment, no longer works on this case, so a supervisor of "
            "%(institution)s, the case's owner, reverses it. Ask them; nothing was changed.")
            % {"recorder": recorder.name, "institution": reverser.name})
    return institution


def reverse_allowance(*, actor, payment, reason, expected_version):
    """Reverse (cancel) an allowance payment recorded by mistake: never deleted, the row stays with who reversed
    it, when and why (the reason sealed: it may name the person), the case's trail says so, and it no longer counts
    — the once-per-person rule lets the correct payment be recorded. `expected_version`: the version the officer
    read (two officers reversing, or one reversing what the other just corrected, do not both pass)."""
    case = payment.case
    institution = require_reverser(actor, payment)
    reason = _reversal_reason(reason, _("Say why the payment is reversed (for example: recorded on the wrong case, "
                                        "recorded twice, wrong amount or month)."))
    with transaction.atomic():
        # the person's row, as a payment takes it: a reversal and a payment of the same person wait for each other
        hold_person_of(case)
        changes = _mark_reversed(actor, payment, reason, expected_version)
        audit.record(actor=actor, action="allowance.reverse", obj=payment, case=case, institution=institution,
                     changes=changes)
    return payment


def _reversal_reason(reason, ask):
    """The reason given for a reversal, cleaned; `ask` (a field error) when it says nothing (under 5 characters)."""
    reason = text(reason)
    if len(reason) < 5:
        raise ValidationError({"reason": ask})
    return reason


def _mark_reversed(actor, payment, reason, expected_version):
    """Mark `payment` (an allowance or a compensation payment, under its caller's lock) reversed by `actor` for
    `reason`, once and at the version read; the audit diff of the change."""
    model = type(payment)
    if model.objects.row(payment).filter(status=PaymentStatus.REVERSED).exists():
        raise ValidationError(_("This payment has already been reversed; nothing was changed."))
    bump_version(model, payment, expected_version, status=PaymentStatus.PAID)
    before = snapshot(payment, ("status",))
    payment.status, payment.reversed_at, payment.reversed_by = PaymentStatus.REVERSED, timezone.now(), actor
    payment.reversal_reason = reason
    payment.save(update_fields=["status", "reversed_at", "reversed_by", "reversal_reason"])
    return audit.diff(model, {**before, "reversal_reason": ""}, snapshot(payment, ("status", "reversal_reason")))


# --- compensation ----------------------------------------------------------------------------------


def open_claim(*, actor, case, claimed_amount, claimed_on, proceedings_reference="", court="", note=""):
    institution = require_payer(actor, case)
    answer = eligibility.compensation_claim(case)
    if not answer:
        raise ValidationError({"case": answer.reason})
    amount = money(claimed_amount, "claimed_amount")
    if claimed_on is None:
        raise ValidationError({"claimed_on": _("Enter the date of the claim.")})
    not_in_future(claimed_on, "claimed_on")
    with transaction.atomic():
        claim = CompensationClaim.objects.create(
            case=case, claimed_amount=amount, claimed_on=claimed_on, proceedings_reference=text(proceedings_reference),
            court=text(court), note=text(note), created_by=actor)
        audit.record(actor=actor, action="compensation.claim", obj=claim, case=case, institution=institution,
                     changes=audit.diff(CompensationClaim, {}, snapshot(claim, CLAIM_FIELDS)))
    return claim


def record_award(*, actor, claim, awarded_amount, awarded_on, expected_version):
    """What the court awarded (0 when the claim was dismissed)."""
    institution = require_payer(actor, claim.case)
    try:
        amount = Decimal(str(awarded_amount).strip().replace(",", "."))
        if amount != 0:
            amount = money(awarded_amount, "awarded_amount")
    except (InvalidOperation, ValueError):
        raise ValidationError({"awarded_amount": _("Enter an amount in manat, for example 700 or 700.50.")}) from None
    if amount < 0 or not amount.is_finite():
        raise ValidationError({"awarded_amount": _("Enter the amount awarded (0 if the claim was dismissed).")})
    if awarded_on is None:
        raise ValidationError({"awarded_on": _("Enter the date of the court's decision.")})
    not_in_future(awarded_on, "awarded_on")
    if awarded_on < claim.claimed_on:
        raise ValidationError({"awarded_on": _("The decision cannot be before the claim. Check the date.")})
    if amount < claim.paid_amount:
        raise ValidationError({"awarded_amount": _("More has already been paid (%(paid)s AZN). Check the amount.")
                               % {"paid": claim.paid_amount}})
    with atomic_edit(claim):
        bump_version(CompensationClaim, claim, expected_version)
        claim.refresh_from_db()
        if amount < claim.paid_amount:
            raise ValidationError({"awarded_amount": _("More has already been paid (%(paid)s AZN). Check the "
                                                       "amount.") % {"paid": claim.paid_amount}})
        before = snapshot(claim, CLAIM_FIELDS)
        claim.awarded_amount, claim.awarded_on = amount.quantize(Decimal("0.01")), awarded_on
        claim.save()
        audit.record(actor=actor, action="compensation.award", obj=claim, case=claim.case, institution=institution,
                     changes=audit.diff(CompensationClaim, before, snapshot(claim, CLAIM_FIELDS)))
    return claim


def _sync_paid(claim):
    """The claim's `paid_amount`, `last_paid_on` and `paid_from` as its payments not reversed say: their sum, and the
    day and payer of the latest (statistics and pages read the claim). Not saved."""
    paid = CompensationPayment.objects.of(claim).filter(status=PaymentStatus.PAID)
    latest = paid.order_by("-paid_on", "-created_at", "-pk").first()
    claim.paid_amount = sum((p.amount for p in paid.only("amount")), Decimal("0.00"))
    claim.last_paid_on = latest.paid_on if latest else None
    claim.paid_from = latest.paid_from if latest else ""


def record_compensation_payment(*, actor, claim, amount, paid_on, paid_from, expected_version):
    """A payment towards the awarded compensation: a row (reversible, `reverse_compensation_payment`), and the claim's
    total. The total paid never exceeds the award. Returns the claim."""
    institution = require_payer(actor, claim.case)
    amount = money(amount, "amount")
    if paid_from not in CompensationSource.values:
        raise ValidationError({"paid_from": _("Choose who paid: the offender, the Aid Fund or the state budget.")})
    if paid_on is None:
        raise ValidationError({"paid_on": _("Enter the date of the payment.")})
    not_in_future(paid_on, "paid_on")
    with atomic_edit(claim):
        bump_version(CompensationClaim, claim, expected_version)
        claim.refresh_from_db()
        if claim.awarded_amount is None:
            raise ValidationError({"amount": _("Nothing has been awarded yet. Record the court's decision first.")})
        if claim.paid_amount + amount > claim.awarded_amount:
            raise ValidationError({"amount": _(
                "The total paid would exceed the award (%(awarded)s AZN; %(paid)s AZN paid so far). Check the "
                "amount.") % {"awarded": claim.awarded_amount, "paid": claim.paid_amount}})
        before = snapshot(claim, CLAIM_FIELDS)
        payment = CompensationPayment.objects.create(claim=claim, case=claim.case, amount=amount, paid_on=paid_on,
                                                     paid_from=paid_from, currency=claim.currency,
                                                     recorded_by=actor, institution=institution)
        _sync_paid(claim)
        claim.save()
        audit.record(actor=actor, action="compensation.pay", obj=claim, case=claim.case, institution=institution,
                     changes=audit.diff(CompensationClaim, before, snapshot(claim, CLAIM_FIELDS)),
                     details={"amount": str(amount), "paid_from": paid_from, "payment": str(payment.uuid)})
    return claim


def reverse_compensation_payment(*, actor, payment, reason, expected_version):
    """Reverse a compensation payment recorded by mistake (a wrong amount, on the wrong claim), as an allowance
    payment is reversed (`reverse_allowance`: a supervisor of the institution that recorded it, with the reason,
    version-locked, once): the row stays with who, when and why; the claim's total paid, last payment day and payer
    are those of the payments not reversed, so the correct payment can be recorded up to the award. Under the lock
    of the claim, as a payment takes it: a reversal and a payment of the same claim wait for each other."""
    case = payment.case
    institution = require_reverser(actor, payment)
    reason = _reversal_reason(reason, _("Say why the payment is reversed (for example: a wrong amount, recorded on "
                                        "the wrong claim, recorded twice)."))
    claim = payment.claim
    with atomic_edit(claim):
        CompensationClaim.objects.row(claim).select_for_update().first()
        changes = _mark_reversed(actor, payment, reason, expected_version)
        claim.refresh_from_db()
        claim_before = snapshot(claim, CLAIM_FIELDS)
        bump_version(CompensationClaim, claim, claim.version)  # a payment form read before the reversal is stale
        _sync_paid(claim)
        claim.save(update_fields=["paid_amount", "last_paid_on", "paid_from"])
        claim_changes = audit.diff(CompensationClaim, claim_before, snapshot(claim, CLAIM_FIELDS))
        audit.record(actor=actor, action="compensation.reverse", obj=payment, case=case, institution=institution,
                     changes=changes, details={"claim": str(claim.uuid), "amount": str(payment.amount),
                                               "claim_changes": claim_changes})
    return payment
