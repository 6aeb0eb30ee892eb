"""Configuration of protection and rehabilitation: every figure the law leaves to the executive.

Each value can be set in the Django settings (which read the environment); the defaults below are
working assumptions, NOT confirmed legal figures — see docs/assistance.md ("Configuration").
"""
import datetime
from decimal import Decimal

from django.conf import settings

# One-time allowance per published reports (US TIP reports): 400 AZN (2016), 700 AZN (2024).
# A year's rule applies from 1 January of that year until the next rule. "monthly" is the
# allowance per month during reintegration where the rules set one (none is published).
DEFAULT_ALLOWANCE_RULES = {
    2016: {"one_time": "400.00", "monthly": None, "monthly_max_months": 0},
    2024: {"one_time": "700.00", "monthly": None, "monthly_max_months": 0},
}


def _int(name, default):
    return int(getattr(settings, name, default))


def max_stay_days():
    """Length of a first shelter stay, in days (unconfirmed: configuration)."""
    return _int("NICAT_SHELTER_MAX_STAY_DAYS", 30)


def extension_days():
    return _int("NICAT_SHELTER_EXTENSION_DAYS", 30)


def max_extensions():
    return _int("NICAT_SHELTER_MAX_EXTENSIONS", 2)


def stay_reminder_days():
    """How many days before a stay ends the shelter is reminded."""
    return _int("NICAT_SHELTER_STAY_REMINDER_DAYS", 7)


def plan_review_interval_days():
    return _int("NICAT_PLAN_REVIEW_INTERVAL_DAYS", 90)


def reflection_period_days():
    """Recovery and reflection period of a foreign victim (Repatriation Rules 2013: 30 days). The same
    setting as the identification app's deadlines."""
    return _int("NICAT_REFLECTION_DAYS", 30)


def residence_permit_months():
    """Validity of the temporary residence permit of a foreign victim (one year). Shared with identification."""
    return _int("NICAT_RESIDENCE_PERMIT_MONTHS", 12)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months; the 31st becomes the last day of a shorter month."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def residence_permit_reminder_days():
    return _int("NICAT_RESIDENCE_PERMIT_REMINDER_DAYS", 30)


def occupancy_history_days():
    return _int("NICAT_OCCUPANCY_HISTORY_DAYS", 90)


def allowance_rules():
    """{year: {"one_time": Decimal|None, "monthly": Decimal|None, "monthly_max_months": int}}, sorted by year."""
    raw = getattr(settings, "NICAT_ALLOWANCE_RULES", None) or DEFAULT_ALLOWANCE_RULES
    rules = {}
    for year, rule in raw.items():
        rules[int(year)] = {
            "one_time": Decimal(str(rule["one_time"])) if rule.get("one_time") not in (None, "") else None,
            "monthly": Decimal(str(rule["monthly"])) if rule.get("monthly") not in (None, "") else None,
            "monthly_max_months": int(rule.get("monthly_max_months") or 0),
        }
    return dict(sorted(rules.items()))


def allowance_rule_for(day: datetime.date):
    """(year, rule) in force on `day`: the latest rule whose year is not after day's year; (None, None) if none."""
    found = (None, None)
    for year, rule in allowance_rules().items():
        if year <= day.year:
            found = (year, rule)
    return found


def return_follow_up_days():
    """The first follow-up after a return is due this many days after it."""
    return _int("NICAT_RETURN_FOLLOW_UP_DAYS", 30)
