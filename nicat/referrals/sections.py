"""Sections of a case that a referral can share, and which of them each purpose may need.

The codes are those of the access policy (`nicat.access.policy.SECTIONS`: identity, contacts,
narrative, medical, investigation, return), so the policy can intersect what a role may see with
what a referral shares: the receiving institution of an active referral sees only the sections the
referral shares (`nicat.referrals.selectors.shared_sections`), and `policy.can_see_section` decides.
"""
from django.utils.translation import gettext_lazy as _

from nicat.consent.models import Purpose

IDENTITY = "identity"            # names, aliases, birth, gender, citizenship, languages, identity documents
CONTACTS = "contacts"            # phone, e-mail, address
NARRATIVE = "narrative"          # the summary, the route of trafficking events, notes
MEDICAL = "medical"              # health needs, treatment, medical rehabilitation
INVESTIGATION = "investigation"  # the criminal investigation
RETURN = "return"                # travel documents, consular help, reception in the country of return

SECTIONS = [
    (IDENTITY, _("Identity: names, birth, gender, citizenship, languages, documents")),
    (CONTACTS, _("Contacts: phone, e-mail, address")),
    (NARRATIVE, _("What happened: summary, route, notes")),
    (MEDICAL, _("Health needs and treatment")),
    (INVESTIGATION, _("Criminal investigation")),
    (RETURN, _("Return: travel documents, consular help, reception")),
]
SECTION_CODES = frozenset(code for code, _label in SECTIONS)

# What each purpose may share at most, and what is proposed by default (the least that works).
ALLOWED = {
    Purpose.REFERRAL: {IDENTITY, CONTACTS, NARRATIVE, MEDICAL, RETURN},
    Purpose.SERVICE: {IDENTITY, CONTACTS, NARRATIVE, MEDICAL},
    Purpose.LAW_ENFORCEMENT: {IDENTITY, CONTACTS, NARRATIVE, INVESTIGATION},
    Purpose.CONSULAR_NOTIFICATION: {IDENTITY, CONTACTS, RETURN},
    Purpose.RETURN: {IDENTITY, CONTACTS, MEDICAL, RETURN},
}
DEFAULT = {
    Purpose.REFERRAL: [IDENTITY],
    Purpose.SERVICE: [IDENTITY],
    Purpose.LAW_ENFORCEMENT: [IDENTITY, NARRATIVE],
    Purpose.CONSULAR_NOTIFICATION: [IDENTITY],
    Purpose.RETURN: [IDENTITY, RETURN],
}


def label(code):
    return dict(SECTIONS).get(code, code)


def ordered(codes):
    codes = set(codes)
    return [code for code, _label in SECTIONS if code in codes]
