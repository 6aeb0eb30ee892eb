"""The legal parameters as Nicat found them, each with its source and whether that source confirms it.

Loaded by migration 0002 (and again after a transactional test flushed the tables, see conftest.py).
Sources are those of docs/legal-rules.md. A value the legal act itself was not available to confirm is
loaded unconfirmed; the page of legal parameters marks it. Dates of application that no source gives
are assumptions, said so in `source`. Later values are recorded by the administrator (audited), not here.
"""
from decimal import Decimal

LAW = "Law of the Republic of Azerbaijan No. 958-IIQ of 28.06.2005 “On combating trafficking in human beings”"
REPATRIATION = ("Rules of repatriation of victims of trafficking who are foreigners or stateless persons "
                "(Cabinet of Ministers, 10.09.2013)")
NRM = "National Referral Mechanism, Cabinet of Ministers Resolution No. 123 of 11.08.2009 (amended 2015)"
PERSONAL_DATA = ("Law of the Republic of Azerbaijan No. 998-IIIQ of 11.05.2010 “On personal data” (kept no longer "
                 "than the purpose needs); period to be set by the Cabinet of Ministers")
SHELTER_NOTE = ("Working assumption. The maximum stay and its extensions are set by the executive authority that "
                "runs the shelters and centres (Law No. 958-IIQ, Arts 12–17); that act was not available. Check "
                "with the operator's lawyers before relying on it.")

SEED = [
    # code, value, valid_from, legal act, source, confirmed
    ("allowance.one_time", "400.00", "2016-01-01", LAW + " (allowance during reintegration; amount set by the "
     "relevant executive authority)", "Amount reported for 2016 by the US Department of State Trafficking in Persons "
     "Report. The executive authority's decision was not available; application from 1 January 2016 is assumed.",
     False),
    ("allowance.one_time", "700.00", "2024-01-01", LAW + " (allowance during reintegration; amount set by the "
     "relevant executive authority)", "Amount reported for 2024 by the US Department of State Trafficking in Persons "
     "Report. The executive authority's decision was not available; application from 1 January 2024 is assumed.",
     False),
    ("allowance.monthly", "0", "2016-01-01", LAW + " (allowance during reintegration)",
     "No monthly allowance is published: 0 = none. The allowance is reported as paid once.", False),
    ("allowance.monthly_max_months", "0", "2016-01-01", LAW + " (allowance during reintegration)",
     "No monthly allowance is published: 0 = none.", False),
    ("shelter.max_stay_days", "30", "2005-06-28", LAW + ", Arts 12–17 (shelters)", SHELTER_NOTE, False),
    ("shelter.extension_days", "30", "2005-06-28", LAW + ", Arts 12–17 (shelters)", SHELTER_NOTE, False),
    ("shelter.max_extensions", "2", "2005-06-28", LAW + ", Arts 12–17 (shelters)", SHELTER_NOTE, False),
    ("centre.max_stay_days", "30", "2005-06-28", LAW + ", Arts 12–17 (assistance centres)", SHELTER_NOTE, False),
    ("centre.extension_days", "30", "2005-06-28", LAW + ", Arts 12–17 (assistance centres)", SHELTER_NOTE, False),
    ("centre.max_extensions", "2", "2005-06-28", LAW + ", Arts 12–17 (assistance centres)", SHELTER_NOTE, False),
    ("identification.referral_hours", "48", "2009-08-11", NRM + "; standard operating procedures",
     "48 hours as reported by the US Trafficking in Persons Report 2017. The procedures themselves were not "
     "available; application from the date of the resolution is assumed.", False),
    ("identification.referral_hours", "24", "2018-01-01", NRM + "; standard operating procedures",
     "24 hours as reported by the US Trafficking in Persons Reports 2018–2022 (an official report stating it). "
     "The date of the change is not published; 1 January 2018 is assumed.", True),
    ("foreigners.reflection_days", "30", "2013-09-10", REPATRIATION + "; Council of Europe Convention on Action "
     "against Trafficking in Human Beings, Art. 13 (at least 30 days)",
     "30-day recovery and reflection period, no expulsion during it. Counted from the first contact (reasonable "
     "grounds), not from recognition (Convention Art. 13). Before 10.09.2013 the same 30 days apply (Convention).",
     True),
    ("foreigners.residence_permit_months", "12", "2013-09-10", REPATRIATION + "; Council of Europe Convention, "
     "Art. 14", "One-year temporary residence permit on request after the reflection period, no state duty, no "
     "employment condition.", True),
    ("referrals.response_hours.emergency", "4", "2009-08-11", NRM,
     "Nicat's working default: no act sets how fast a receiving institution answers an emergency referral.", False),
    ("referrals.response_hours.urgent", "24", "2009-08-11", NRM,
     "Nicat's working default: no act sets how fast a receiving institution answers an urgent referral.", False),
    ("referrals.response_hours.routine", "72", "2009-08-11", NRM,
     "Nicat's working default: no act sets how fast a receiving institution answers a routine referral.", False),
    ("retention.person_after_closure_months", "60", "2010-05-11", PERSONAL_DATA,
     "No act found sets how long the identity of a (presumed) victim of trafficking is kept. The Law on personal "
     "data requires personal data to be kept no longer than its purpose needs; the period for this registry is to "
     "be set by the Cabinet of Ministers. 60 months (5 years) after the last case of the person closed is Nicat's "
     "working default, not a legal rule; applied from the date of the Law as an assumption. Confirm or replace "
     "it before retention runs in production.", False),
    ("retention.hotline_contact_months", "12", "2010-05-11", PERSONAL_DATA,
     "No act found sets how long a hotline keeps a caller's name, phone and notes when the call led to no case. The "
     "Law on personal data requires personal data to be kept no longer than its purpose needs; 12 months after the "
     "call (a callback or follow-up still open is kept) is Nicat's working default, not a legal rule; applied from "
     "the date of the Law as an assumption. Confirm or replace it before retention runs in production.", False),
    ("persons.child_age_years", "18", "2005-06-28", LAW + ", Art. 1 (a child: a person under eighteen); Palermo "
     "Protocol, Art. 3(d); Council of Europe Convention on Action against Trafficking in Human Beings, Art. 4(d)",
     "A child is any person under eighteen years of age (Law No. 958-IIQ Art. 1; Palermo Protocol Art. 3(d); "
     "Council of Europe Convention Art. 4(d), ratified by Azerbaijan). Before 28.06.2005 the same age applies "
     "(the Palermo Protocol).", True),
]


def load(LegalParameter):
    import datetime

    for code, value, valid_from, act, source, confirmed in SEED:
        LegalParameter.objects.update_or_create(
            code=code, valid_from=datetime.date.fromisoformat(valid_from),
            defaults={"value": Decimal(value), "legal_act": act, "source": source, "confirmed": confirmed})
