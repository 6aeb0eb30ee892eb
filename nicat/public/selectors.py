"""What the public pages show, read from the one place each fact lives.

- the definition's acts and means, the forms of exploitation, the risk groups and the recruitment
  channels: the reference vocabularies (nicat/vocab, the law's and the seed's wording in az/ru/en);
- the allowance, the reflection period, the residence permit and the age of majority: the legal parameters in force today
  (nicat/legal), never a constant;
- where to turn: the directory (nicat/directory), shelter addresses withheld by its one rule.
"""
from decimal import Decimal

from nicat.core.calendar import baku_today
from nicat.directory import selectors as directory
from nicat.legal.services import in_force
from nicat.vocab.models import Term

VOCABULARIES = ("act", "means", "exploitation", "risk_group", "recruitment_channel")

# The order of the "where to turn" page: the seed's list (law enforcement, hotline, embassies and
# consulates, NGOs, international, religious organisations, medical institutions), with the special
# institutions of the law (shelters, assistance centres) after the hotline.
KIND_ORDER = ("hotline", "law_enforcement", "shelter", "assistance_centre", "ngo", "international_org",
              "religious_org", "medical", "embassy_consulate", "other")
# Kinds the seed names: shown with a sentence even when no institution of the kind is listed yet.
SEED_KINDS = ("law_enforcement", "ngo", "international_org", "religious_org", "medical", "embassy_consulate")


def vocabularies():
    """{vocabulary: [label, ...]} in the active language, in the law's / the seed's order."""
    out = {v: [] for v in VOCABULARIES}
    for term in Term.objects.filter(vocabulary__in=VOCABULARIES, active=True).order_by("sort", "code"):
        out[term.vocabulary].append(term.label)
    return out


def _figure(code, day):
    row = in_force(code, day)
    if row is None or (row.spec and row.spec.zero_means_none and not row.value):
        return None
    value = row.typed_value
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else value
    return {"value": value, "confirmed": row.confirmed, "legal_act": row.legal_act, "since": row.valid_from}


def legal_figures(day=None):
    """The figures of a victim's rights in force on `day` (today in Baku by default); None where none applies."""
    day = day or baku_today()
    return {
        "allowance": _figure("allowance.one_time", day),
        "reflection_days": _figure("foreigners.reflection_days", day),
        "permit_months": _figure("foreigners.residence_permit_months", day),
        "child_age": _figure("persons.child_age_years", day),
    }


def where_to_turn():
    """The Main Department's contacts and the listed institutions grouped by kind, in KIND_ORDER."""
    rows = directory.public_institutions()
    kinds = {t.code: t.label for t in Term.objects.filter(vocabulary="institution_kind", active=True)}
    groups = {}
    for row in rows:
        inst = row["institution"]
        code = inst.kind.code if inst.kind_id else "other"
        row["country"] = inst.country.label if inst.country_id else ""
        groups.setdefault(code if code in KIND_ORDER else "other", []).append(row)
    ordered = []
    for code in KIND_ORDER:
        if code in groups or code in SEED_KINDS:
            ordered.append({"code": code, "label": kinds.get(code, code), "rows": groups.get(code, [])})
    return {"hotline": directory.HOTLINE_NUMBER, "main": directory.main_department_contacts(), "groups": ordered}
