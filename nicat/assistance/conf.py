"""Figures of protection and rehabilitation.

The figures the law sets — the allowance, the length of stays and their extensions, the reflection
period, the residence permit term — are legal parameters (nicat.legal), read as in force on the day
the right arose; see docs/legal-rules.md. What remains here are working intervals of the application
(reminders, chart lengths), which no law sets.
"""
import datetime

from django.conf import settings

from nicat.assistance.models import FacilityKind
from nicat.core.calendar import baku_date
from nicat.legal import services as legal


def _facility_prefix(facility_kind):
    return "centre" if facility_kind == FacilityKind.ASSISTANCE_CENTRE else "shelter"


def max_stay_days(facility_kind, on):
    """Length of a first stay in a shelter or an assistance centre admitted on `on` (legal parameter)."""
    return legal.value(f"{_facility_prefix(facility_kind)}.max_stay_days", on)


def extension_days(facility_kind, on):
    """Length of one extension of a stay that began on `on`."""
    return legal.value(f"{_facility_prefix(facility_kind)}.extension_days", on)


def max_extensions(facility_kind, on):
    """Extensions allowed for a stay that began on `on`."""
    return legal.value(f"{_facility_prefix(facility_kind)}.max_extensions", on)


def stay_reminder_days():
    """Remind a shelter this many days before a stay ends (NICAT_STAY_REMINDER_DAYS)."""
    return settings.NICAT_STAY_REMINDER_DAYS


def reminder_days():
    """The assistance dashboard shows plan reviews, reflection periods ending and return follow-ups due within
    this many days (NICAT_ASSISTANCE_REMINDER_DAYS)."""
    return settings.NICAT_ASSISTANCE_REMINDER_DAYS


def plan_review_interval_days():
    return settings.NICAT_PLAN_REVIEW_INTERVAL_DAYS


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months; the 31st becomes the last day of a shorter month."""
    return legal.add_months(day, months)


def residence_permit_reminder_days():
    return settings.NICAT_RESIDENCE_PERMIT_REMINDER_DAYS


def occupancy_history_days():
    return settings.NICAT_OCCUPANCY_HISTORY_DAYS


def allowance_rule_for(day):
    """The allowance rule in force on `day` (the day the right arose: the recognition), or None:
    {"valid_from": date, "one_time": Decimal|None, "monthly": Decimal|None, "monthly_max_months": int}.
    0 in the table means the law sets no such allowance (None here)."""
    day = baku_date(day)
    one_time = legal.in_force("allowance.one_time", day)
    if one_time is None:
        return None
    monthly = legal.in_force("allowance.monthly", day)
    months = legal.in_force("allowance.monthly_max_months", day)
    return {
        "valid_from": max(r.valid_from for r in (one_time, monthly, months) if r is not None),
        "one_time": one_time.value or None,
        "monthly": (monthly.value or None) if monthly else None,
        "monthly_max_months": int(months.value) if months else 0,
    }


def return_follow_up_days():
    """The first follow-up after a return is due this many days after it."""
    return settings.NICAT_RETURN_FOLLOW_UP_DAYS
