"""The statutory periods computed from the legal parameters: one function for each, called by every
page, dashboard, certificate and API that shows it (docs/legal-rules.md).

Each reads the parameter in force on the day the right arose — the first contact for the referral
deadline and the reflection period — on the Baku calendar.
"""
import datetime

from nicat.core.calendar import baku_date
from nicat.legal.services import add_months, value


def referral_hours(first_contact_at):
    """Hours within which a first responder refers a potential victim to the Main Department: the value in
    force on the day of the first contact."""
    return value("identification.referral_hours", first_contact_at)


def referral_due(first_contact_at):
    """When the referral to the Main Department is due: first contact + the referral hours then in force."""
    return first_contact_at + datetime.timedelta(hours=referral_hours(first_contact_at))


def reflection_period(first_contact_at):
    """(first day, last day) of the recovery and reflection period of a foreign or stateless (presumed)
    victim: it starts with the first contact — reasonable grounds to believe the person is a victim —
    not with recognition (Council of Europe Convention Art. 13: it precedes the decision)."""
    start = baku_date(first_contact_at)
    return start, start + datetime.timedelta(days=reflection_days(start))


def reflection_days(first_contact_at):
    """Length in days of the recovery and reflection period of a person first met on `first_contact_at`."""
    return value("foreigners.reflection_days", first_contact_at)


def reflection_period_end(first_contact_at):
    """The day the reflection period ends; until then no expulsion. The residence permit is offered by then."""
    return reflection_period(first_contact_at)[1]


def residence_permit_expiry(granted_on):
    """A temporary residence permit granted on `granted_on` expires after the term then in force."""
    return add_months(granted_on, value("foreigners.residence_permit_months", granted_on))


def referral_response_due(urgency, sent_at):
    """When a receiving institution must answer a referral of `urgency` sent at `sent_at`."""
    return sent_at + datetime.timedelta(hours=value(f"referrals.response_hours.{urgency}", sent_at))
