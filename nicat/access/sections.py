"""The sections of a case: their codes, labels, the roles that see each, and the fields each holds.
The one definition, read by the access policy (`policy.visible_sections`), the serializers (which drop
the fields of sections the caller may not see), the templates (`{% can_see_section %}`,
`|section_label`), referrals (what a referral may share) and the access matrix.

Seeing a case does not mean seeing all of it: a consular officer sees what a return needs, medical
staff the medical section, and only law enforcement the criminal investigation (a role listed for
`investigation` sees it only at a law-enforcement institution: `LAW_ENFORCEMENT_ONLY`).
"""
from django.utils.translation import gettext_lazy as _

from nicat.accounts.models import CASE_ROLES, Role

IDENTITY = "identity"            # names, aliases, birth, gender, citizenship, languages, identity documents
CONTACTS = "contacts"            # phone, e-mail, address
NARRATIVE = "narrative"          # the summary, the route of trafficking events, notes
MEDICAL = "medical"              # health needs, treatment, medical rehabilitation
INVESTIGATION = "investigation"  # the criminal investigation: suspects, the criminal case, verdict (nicat.proceedings)
HEARINGS = "hearings"            # court hearings and the victim's required appearances (accompaniment)
RETURN = "return"                # travel documents, consular help, reception in the country of return
SECURITY = "security"            # security measures: confidential address, relocation, escort, state protection …
RELATIVES = "relatives"          # relatives and helpers at risk: who they are, how to reach them, their risk

# (code, label), in the order pages show them.
CHOICES = (
    (IDENTITY, _("Identity: names, birth, gender, citizenship, languages, documents")),
    (CONTACTS, _("Contacts: phone, e-mail, address")),
    (NARRATIVE, _("What happened: summary, route, notes")),
    (MEDICAL, _("Health needs and treatment")),
    (INVESTIGATION, _("Criminal investigation")),
    (HEARINGS, _("Court hearings: dates, court, the victim's appearances")),
    (RETURN, _("Return: travel documents, consular help, reception")),
    (SECURITY, _("Security measures: confidential address, relocation, escort, state protection")),
    (RELATIVES, _("Relatives and helpers at risk")),
)
CODES = tuple(code for code, _label in CHOICES)

# The case-working roles that see each section (on a case they may see at all).
ROLES = {
    IDENTITY: frozenset(CASE_ROLES),
    CONTACTS: frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER, Role.SHELTER_STAFF,
                         Role.HOTLINE_OPERATOR, Role.CONSULAR_OFFICER}),
    # Shelter staff give psychological and medical rehabilitation and need to know what happened to do it:
    # they see these sections when the referral that brought the person shares them (issue 15).
    NARRATIVE: frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER, Role.HOTLINE_OPERATOR,
                          Role.SHELTER_STAFF}),
    MEDICAL: frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.MEDICAL_STAFF, Role.SHELTER_STAFF}),
    INVESTIGATION: frozenset({Role.IDENTIFICATION_OFFICER, Role.SUPERVISOR}),
    # What an NGO needs to accompany the victim to court — never the investigation file.
    HEARINGS: frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER}),
    RETURN: frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER, Role.CONSULAR_OFFICER}),
    # Disclosing the security measures applied to a victim is punishable: only law enforcement (an
    # identification officer at a law-enforcement institution, see LAW_ENFORCEMENT_ROLES) and the
    # supervisor of the institution that owns the case. Case workers, shelter, medical, consular and
    # hotline staff do not see them. Outside the owner institution only a grant that opens the whole case
    # shows them (the referral for identification to the competent authority, a break-glass opening);
    # no referral purpose shares them (nicat/referrals/sections.py, docs/safety.md).
    SECURITY: frozenset({Role.IDENTIFICATION_OFFICER, Role.SUPERVISOR}),
    # Relatives and helpers at risk: the staff who plan contact with the family and protection.
    RELATIVES: frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER}),
}
# Sections a role sees only when held at a law-enforcement institution (policy.is_law_enforcement).
LAW_ENFORCEMENT_ONLY = frozenset({INVESTIGATION})
# Sections some of whose roles see them only at a law-enforcement institution (the others anywhere).
LAW_ENFORCEMENT_ROLES = {SECURITY: frozenset({Role.IDENTIFICATION_OFFICER})}

# The fields of each record (by model label) that belong to a section. A record outside this table
# belongs to one section as a whole (a medical service to MEDICAL, a return plan to RETURN …) and is
# gated by `policy.can_see_section` where it is read or written.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "persons.person": {
        IDENTITY: ("given_name", "family_name", "patronymic", "aliases", "birth_date", "birth_date_is_estimate",
                   "estimated_age", "gender", "citizenships", "languages", "documents"),
        CONTACTS: ("phone", "email", "address"),
    },
    "cases.case": {
        NARRATIVE: ("summary",),
    },
    # The official decision: its outcome, date and deciding body are for everyone on the case (the case shows
    # the status they set); why — the reasons, the offences the person is released from, the documents it
    # rests on — is what happened.
    "identification.identificationdecision": {
        NARRATIVE: ("reason", "liability_note", "documents"),
    },
}

# Changing what happened — the acts, means, forms of exploitation, recruitment and the countries of
# the route — is writing the narrative too, although those facts are shown with the case.
WRITE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "persons.person": {**FIELDS["persons.person"],
                       IDENTITY: FIELDS["persons.person"][IDENTITY] + ("age_recorded_on",)},
    "cases.case": {
        NARRATIVE: FIELDS["cases.case"][NARRATIVE] + (
            "acts", "means", "exploitation_forms", "recruitment_channels", "risk_factors", "countries_of_origin",
            "countries_of_recruitment", "countries_of_exploitation"),
    },
}


def label(code):
    return dict(CHOICES).get(code, code)


def ordered(codes):
    codes = set(codes)
    return [code for code in CODES if code in codes]


def fields(record):
    """{section: field names} of a record, by model label ("persons.person") or model."""
    if not isinstance(record, str):
        record = record._meta.label_lower
    return FIELDS.get(record, {})


def hidden_fields(record, visible):
    """The field names of `record` in sections outside `visible` (what a representation must drop)."""
    return {name for section, names in fields(record).items() if section not in visible for name in names}


def strip(data, record, visible):
    """Drop from `data` (a dict representation of `record`) the fields of sections outside `visible`."""
    for name in hidden_fields(record, visible):
        data.pop(name, None)
    return data
