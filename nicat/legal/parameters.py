"""The legal parameters Nicat knows: the figures that a law, a resolution or an executive decision
sets and that an administrator may have to change when the law changes.

Each code names one figure; its values, each with the act it comes from and the date from which it
applies, are rows of `nicat.legal.models.LegalParameter` (seeded by migration 0002 with their
sources). Read them through `nicat.legal.services.value(code, on)`, with `on` the date on which
the right arose — never through a constant.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Spec:
    code: str
    label: object
    unit: str  # "days" | "hours" | "months" | "years" | "count" | "AZN"
    integer: bool = True
    # Before the first recorded value: True = the first value applies (a period the sources report
    # unchanged); False = nothing applies (money: no allowance is due before the first rule).
    first_applies_before: bool = True
    zero_means_none: bool = False  # 0 = the law sets no such thing (e.g. no monthly allowance)


UNITS = {"days": _("days"), "hours": _("hours"), "months": _("months"), "years": _("years"), "count": _("times"),
         "AZN": "AZN"}

SPECS = [
    Spec("allowance.one_time", _("One-time allowance of a recognised victim"), "AZN", integer=False,
         first_applies_before=False, zero_means_none=True),
    Spec("allowance.monthly", _("Monthly allowance during reintegration"), "AZN", integer=False,
         first_applies_before=False, zero_means_none=True),
    Spec("allowance.monthly_max_months", _("Months of monthly allowance at most"), "months",
         first_applies_before=False),
    Spec("shelter.max_stay_days", _("Shelter: length of a first stay"), "days"),
    Spec("shelter.extension_days", _("Shelter: length of one extension"), "days"),
    Spec("shelter.max_extensions", _("Shelter: extensions allowed"), "count"),
    Spec("centre.max_stay_days", _("Assistance centre: length of a first stay"), "days"),
    Spec("centre.extension_days", _("Assistance centre: length of one extension"), "days"),
    Spec("centre.max_extensions", _("Assistance centre: extensions allowed"), "count"),
    Spec("identification.referral_hours", _("Referral to the Main Department after first contact, at most"),
         "hours"),
    Spec("foreigners.reflection_days", _("Recovery and reflection period of a foreign or stateless victim"),
         "days"),
    Spec("foreigners.residence_permit_months", _("Temporary residence permit of a foreign or stateless victim"),
         "months"),
    Spec("referrals.response_hours.emergency", _("Answer to an emergency referral, at most"), "hours"),
    Spec("referrals.response_hours.urgent", _("Answer to an urgent referral, at most"), "hours"),
    Spec("referrals.response_hours.routine", _("Answer to a routine referral, at most"), "hours"),
    Spec("retention.person_after_closure_months",
         _("Retention: a person's identity after the last of their cases closed"), "months"),
    Spec("retention.hotline_contact_months",
         _("Retention: a hotline contact's identifying details when it led to no case"), "months"),
    Spec("persons.child_age_years", _("Age of majority: a person younger is a child"), "years"),
]
BY_CODE = {s.code: s for s in SPECS}
CHOICES = [(s.code, s.label) for s in SPECS]


def spec(code):
    try:
        return BY_CODE[code]
    except KeyError:
        raise LookupError(f"unknown legal parameter {code!r}") from None
