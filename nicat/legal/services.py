"""Reading and changing the legal parameters.

`value(code, on)` is the one road to a legal figure: the value in force on `on`, the date on which
the right arose (a recognition, an admission, a first contact). `set_parameter` is the one road to
a change: administrators only, validated with sentences an administrator understands, written in
one transaction with its audit event, optimistic locking on an edited row.
"""
import contextvars
import datetime
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from nicat.audit import services as audit
from nicat.core.calendar import baku_date
from nicat.core.errors import ConcurrentEdit
from nicat.legal.models import LegalParameter
from nicat.legal.parameters import BY_CODE, UNITS, spec

FIELDS = ("code", "value", "valid_from", "legal_act", "source", "confirmed")


class ParameterMissing(ValidationError):
    """No value of a parameter applies on the day asked (say which, and who can fix it)."""


# Within `remembered()` (every web request, and lists that compute deadlines for many cases) the parameters'
# rows are read once, all in one query; outside it every call reads the database.
_remembered = contextvars.ContextVar("nicat_legal_parameters", default=None)


@contextmanager
def remembered():
    """Read each legal parameter's rows at most once inside the block (a request, a work list of thousands
    of cases). A change made through `set_parameter` inside the block is seen at once."""
    if _remembered.get() is not None:
        yield
        return
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def _rows(code):
    memo = _remembered.get()
    if memo is None:
        return None
    if not memo:  # the first read in the block reads every parameter's rows at once (a few dozen rows, one query)
        memo[None] = []
        for row in LegalParameter.objects.order_by("code", "valid_from"):
            memo.setdefault(row.code, []).append(row)
    return memo.get(code, [])


def in_force(code, on):
    """The `LegalParameter` row in force on `on` (a date or an aware datetime, read on the Baku calendar),
    or None. Before the first recorded value, the first applies when the parameter says so."""
    s = spec(code)
    day = baku_date(on)
    rows = _rows(code)
    if rows is not None:
        applying = [r for r in rows if r.valid_from <= day]
        row = applying[-1] if applying else None
        return rows[0] if row is None and s.first_applies_before and rows else row
    row = LegalParameter.objects.filter(code=code, valid_from__lte=day).order_by("-valid_from").first()
    if row is None and s.first_applies_before:
        row = LegalParameter.objects.filter(code=code).order_by("valid_from").first()
    return row


def value(code, on):
    """The value in force on `on`: int for days, hours, months and counts, Decimal for money.

    Raises ParameterMissing (a ValidationError with a sentence for the case worker) when none applies."""
    row = in_force(code, on)
    if row is None:
        raise ParameterMissing(_("No value of “%(parameter)s” applies on %(day)s. Ask the administrator to record "
                                 "it, with its legal act, under Legal parameters.") % {
            "parameter": spec(code).label, "day": baku_date(on).isoformat()})
    return row.typed_value


def add_days(on, code):
    """The Baku date `on` plus the parameter `code` (in days) in force on `on`."""
    day = baku_date(on)
    return day + datetime.timedelta(days=value(code, day))


def add_months(day, months):
    """`day` plus whole months; the 31st becomes the last day of a shorter month."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def is_administrator(user):
    from nicat.access import policy
    from nicat.accounts.models import Role

    return bool(getattr(user, "is_superuser", False) or policy.has_role(user, Role.ADMINISTRATOR))


def _clean(data):
    errors, cleaned = {}, {}
    code = data.get("code") or ""
    if code not in BY_CODE:
        errors["code"] = _("Choose the parameter from the list.")
    raw = data.get("value")
    try:
        amount = Decimal(str(raw).strip().replace(",", "."))
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["value"] = _("Enter a number, for example 30 or 700.00.")
        amount = None
    if amount is not None:
        if amount < 0:
            errors["value"] = _("Enter a value of 0 or more.")
        elif code in BY_CODE and BY_CODE[code].integer and amount != amount.to_integral_value():
            errors["value"] = _("This parameter counts whole %(unit)s: enter a whole number.") % {
                "unit": UNITS[BY_CODE[code].unit]}
        elif amount >= Decimal("10000000000") or amount != amount.quantize(Decimal("0.01")):
            errors["value"] = _("Enter the value with at most two decimals.")
        elif code in BY_CODE and amount == 0 and not BY_CODE[code].zero_means_none:
            errors["value"] = _("This parameter cannot be 0. Enter the figure the legal act sets.")
    valid_from = data.get("valid_from")
    if isinstance(valid_from, datetime.datetime):
        valid_from = baku_date(valid_from)
    if not isinstance(valid_from, datetime.date):
        errors["valid_from"] = _("Enter the date from which the value applies (YYYY-MM-DD).")
    elif valid_from.year < 1991:
        errors["valid_from"] = _("The date is before 1991. Check it.")
    legal_act = (data.get("legal_act") or "").strip()
    if not legal_act:
        errors["legal_act"] = _("Name the legal act that sets this value (title, number, date).")
    elif len(legal_act) > 300:
        errors["legal_act"] = _("The name of the act is longer than 300 characters. Shorten it.")
    source = (data.get("source") or "").strip()
    if len(source) > 5000:
        errors["source"] = _("The source note is longer than 5,000 characters. Keep the essentials.")
    if errors:
        raise ValidationError(errors)
    cleaned.update(code=code, value=amount.quantize(Decimal("0.01")), valid_from=valid_from, legal_act=legal_act,
                   source=source, confirmed=bool(data.get("confirmed")))
    return cleaned


def _snapshot(row):
    return {f: getattr(row, f) for f in FIELDS}


def set_parameter(*, actor, data, parameter=None, expected_version=None):
    """Record a new value of a legal parameter (`parameter=None`) or correct an existing row.

    `data`: code, value, valid_from, legal_act, source, confirmed. A new value applies to rights arising
    on or after `valid_from`; earlier rights keep the value that was in force when they arose."""
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator changes the legal parameters."))
    cleaned = _clean(data)
    if parameter is not None:
        if cleaned["code"] != parameter.code:
            raise ValidationError({"code": _("The parameter of a recorded value cannot change. Record a new value "
                                             "for the other parameter instead.")})
        if expected_version is None:
            raise ValidationError({"version": _("Give the version of the value you read, so that no one else's "
                                                "change is overwritten.")})
    try:
        with transaction.atomic():
            if parameter is None:
                before = {}
                row = LegalParameter.objects.create(**cleaned)
                action = "legal.parameter.create"
            else:
                before = _snapshot(parameter)
                if not LegalParameter.objects.filter(pk=parameter.pk, version=int(expected_version)).update(
                        version=F("version") + 1, **cleaned):
                    raise ConcurrentEdit()
                row = LegalParameter.objects.get(pk=parameter.pk)
                action = "legal.parameter.update"
            audit.record(actor=actor, action=action, obj=row, changes=audit.diff(LegalParameter, before,
                                                                                 _snapshot(row)),
                         details={"code": row.code, "valid_from": row.valid_from.isoformat()})
    except IntegrityError:
        raise ValidationError({"valid_from": _("This parameter already has a value from %(day)s. Change that value, "
                                               "or choose another date.") % {
            "day": cleaned["valid_from"].isoformat()}}) from None
    memo = _remembered.get()
    if memo is not None:
        memo.clear()  # the next read in this block sees the change
    return row
