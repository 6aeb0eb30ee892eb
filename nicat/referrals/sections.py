"""Which case sections each referral purpose may share, and what is proposed by default (the least
that works). The sections themselves — codes, labels, the roles that see each, the fields each holds —
are the access policy's: nicat.access.sections. The receiving institution of an active referral sees
only the sections the referral shares (`nicat.referrals.selectors.shared_sections`), intersected with
what its role may see (`policy.can_see_section`).
"""
from nicat.access.sections import (
    CONTACTS,
    HEARINGS,
    IDENTITY,
    INVESTIGATION,
    MEDICAL,
    NARRATIVE,
    RELATIVES,
    RETURN,
)
from nicat.consent.models import Purpose

ALLOWED = {
    Purpose.REFERRAL: {IDENTITY, CONTACTS, NARRATIVE, MEDICAL, RETURN, RELATIVES, HEARINGS},
    Purpose.SERVICE: {IDENTITY, CONTACTS, NARRATIVE, MEDICAL, HEARINGS},
    Purpose.LAW_ENFORCEMENT: {IDENTITY, CONTACTS, NARRATIVE, INVESTIGATION, RELATIVES, HEARINGS},
    Purpose.CONSULAR_NOTIFICATION: {IDENTITY, CONTACTS, RETURN},
    Purpose.RETURN: {IDENTITY, CONTACTS, MEDICAL, RETURN, RELATIVES},
}
# The security measures (nicat.access.sections.SECURITY) are shared by no purpose: their disclosure is
# punishable; the competent authority's identification officers see them on a case referred to them
# for identification (that grant opens the whole case), nobody else outside the owner institution.
DEFAULT = {
    Purpose.REFERRAL: [IDENTITY],
    Purpose.SERVICE: [IDENTITY],
    Purpose.LAW_ENFORCEMENT: [IDENTITY, NARRATIVE],
    Purpose.CONSULAR_NOTIFICATION: [IDENTITY],
    Purpose.RETURN: [IDENTITY, RETURN],
}
