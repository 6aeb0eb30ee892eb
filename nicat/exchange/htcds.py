"""HTCDS 2.0 exchange: every case with its person, route and comments, under the field names of the
Human Trafficking Case Data Standard (HTCDS) by IOM (`shared/data/htcds/`), JSON or CSV.

Fields that HTCDS names carry its names (prs_, vic_, cas_, hte_, cco_, org_) and its picklist values
(the vocabularies' HTCDS codes); what Nicat holds beyond the standard travels under `nct_` names, so
that exporting, importing into an empty database and exporting again gives the same file. A
vocabulary value whose HTCDS code is shared by several terms, or that has none, is written
`nct:<code>`. Lists are JSON arrays (in CSV: a JSON text in the cell). A CSV cell that a spreadsheet
would run as a formula (`=…`, `+…`, `-…`, `@…`: a name typed on the hotline may be one) is written with a
leading apostrophe and read back without it (nicat.core.spreadsheet); JSON carries the values as they are.

The file holds identifying data in plain text: only the operator's command writes one, and every
export and import is audited.
"""
import csv
import datetime
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from nicat.core.spreadsheet import restore_cell, safe_cell

STANDARD = "HTCDS 2.0"
LIST_FIELDS = ("nct_Aliases", "prs_Citizenship", "nct_Languages", "nct_Documents", "vic_MethodsOfControl",
               "vic_TypeOfExploitation", "vic_MethodOfRecruitment", "nct_Acts", "nct_RiskFactors",
               "nct_CountriesOfOrigin", "nct_CountriesOfRecruitment", "nct_CountriesOfExploitation", "nct_Events",
               "nct_Comments", "nct_Perpetrators", "nct_Proceedings", "nct_ReleaseRequests")
CASE_FIELDS = (
    "nct_CaseId", "nct_Reference", "nct_PersonId", "prs_FirstName", "prs_SecondName", "prs_MiddleName",
    "nct_Aliases", "prs_Birthdate", "nct_BirthdateIsEstimate", "nct_EstimatedAge", "nct_AgeRecordedOn", "prs_Gender",
    "prs_Citizenship", "nct_Languages", "prs_IdentityNumber", "nct_Documents", "prs_Email", "prs_MobilePhone",
    "prs_MailingStreet", "nct_PersonRegisteredBy",
    "vic_TraffickingStatus", "vic_TraffickingStatusDecisionMakingOrg", "nct_StatusDecidedBy", "nct_StatusDecidedOn",
    "vic_MethodsOfControl", "vic_TypeOfExploitation", "vic_MethodOfRecruitment", "nct_Acts", "nct_RiskFactors",
    "nct_CountriesOfOrigin", "nct_CountriesOfRecruitment", "nct_CountriesOfExploitation",
    "cas_Status", "cas_ReasonForCaseClosure", "nct_OwnerInstitution", "nct_FirstContact", "nct_CameToNotice",
    "nct_Scope", "nct_Summary", "nct_Events", "nct_Comments",
    # Suspected traffickers (HTCDS prs_/per_ fields inside), criminal proceedings, release from liability:
    # nicat.exchange.proceedings.
    "nct_Perpetrators", "nct_Proceedings", "nct_ReleaseRequests",
)
ORG_FIELDS = ("nct_Code", "org_Name", "nct_NameRu", "nct_NameEn", "org_Type", "org_ShippingCountry", "org_Phone",
              "org_ShippingStreet", "nct_Email", "nct_CompetentAuthority", "nct_Nonprofit", "nct_Active")
# Case vocabularies: export field -> (Case attribute, vocabulary)
CASE_TERMS = {
    "vic_MethodsOfControl": ("means", "means"), "vic_TypeOfExploitation": ("exploitation_forms", "exploitation"),
    "vic_MethodOfRecruitment": ("recruitment_channels", "recruitment_channel"), "nct_Acts": ("acts", "act"),
    "nct_RiskFactors": ("risk_factors", "risk_group"), "nct_CountriesOfOrigin": ("countries_of_origin", "country"),
    "nct_CountriesOfRecruitment": ("countries_of_recruitment", "country"),
    "nct_CountriesOfExploitation": ("countries_of_exploitation", "country"),
}


# --- Vocabulary values ------------------------------------------------------------------------------

class Vocabularies:
    """Term <-> exchange value, per vocabulary: the HTCDS code where it names one term only."""

    def __init__(self):
        from nicat.vocab.models import Term

        self.by_value = {}
        self.value_of = {}
        shared = defaultdict(int)
        terms = list(Term.objects.all())
        for t in terms:
            if t.htcds_code:
                shared[(t.vocabulary, t.htcds_code)] += 1
        for t in terms:
            unique = t.htcds_code and shared[(t.vocabulary, t.htcds_code)] == 1
            value = t.htcds_code if unique else f"nct:{t.code}"
            self.value_of[t.pk] = value
            self.by_value[(t.vocabulary, value)] = t
            self.by_value[(t.vocabulary, f"nct:{t.code}")] = t

    def first_with_htcds(self, vocabulary, htcds_code):
        """The first term (in the vocabulary's order) whose HTCDS code is `htcds_code` (a file from elsewhere
        carries only the standard's value)."""
        from nicat.vocab.models import Term

        return Term.objects.of(vocabulary).filter(htcds_code=htcds_code).order_by("sort", "code").first()

    def value(self, term):
        return self.value_of[term.pk] if term is not None else ""

    def values(self, terms):
        return sorted(self.value_of[t.pk] for t in terms)

    def term(self, vocabulary, value):
        return self.by_value.get((vocabulary, value))


# --- Export ----------------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value else ""


def case_record(case, vocab):
    person = case.person
    documents = person.documents or []
    decided_by = case.status_decided_by
    law = decided_by is not None and (decided_by.is_competent_authority
                                      or (decided_by.kind and decided_by.kind.code == "law_enforcement"))
    record = {
        "nct_CaseId": str(case.uuid), "nct_Reference": case.reference, "nct_PersonId": str(person.uuid),
        "prs_FirstName": person.given_name or "", "prs_SecondName": person.family_name or "",
        "prs_MiddleName": person.patronymic or "", "nct_Aliases": list(person.aliases or []),
        "prs_Birthdate": _iso(person.birth_date), "nct_BirthdateIsEstimate": bool(person.birth_date_is_estimate),
        "nct_EstimatedAge": person.estimated_age, "nct_AgeRecordedOn": _iso(person.age_recorded_on),
        "prs_Gender": vocab.value(person.gender),
        "prs_Citizenship": vocab.values(person.citizenships.all()),
        "nct_Languages": vocab.values(person.languages.all()),
        "prs_IdentityNumber": (documents[0] or {}).get("number", "") if documents else "",
        "nct_Documents": documents, "prs_Email": person.email or "", "prs_MobilePhone": person.phone or "",
        "prs_MailingStreet": person.address or "",
        "nct_PersonRegisteredBy": person.registered_by_institution.code if person.registered_by_institution_id else "",
        "vic_TraffickingStatus": case.trafficking_status,
        "vic_TraffickingStatusDecisionMakingOrg": ("Police" if law else "Other") if decided_by else "",
        "nct_StatusDecidedBy": decided_by.code if decided_by else "",
        "nct_StatusDecidedOn": _iso(case.status_decided_on),
    }
    for name, (attr, _vocabulary) in CASE_TERMS.items():
        record[name] = vocab.values(getattr(case, attr).all())
    record.update({
        "cas_Status": case.status, "cas_ReasonForCaseClosure": case.closure_reason or "",
        "nct_OwnerInstitution": case.owner_institution.code,
        "nct_FirstContact": case.first_contact_at.astimezone(datetime.UTC).isoformat(),
        "nct_CameToNotice": case.came_to_notice or "", "nct_Scope": case.scope or "",
        "nct_Summary": case.summary or "",
        "nct_Events": [{
            "hte_Type": e.kind, "hte_Country": vocab.value(e.country), "hte_City": e.place or "",
            "hte_Date": _iso(e.date_from), "nct_DateTo": _iso(e.date_to), "hte_Description": e.description or "",
        } for e in sorted(case.events.all(), key=lambda e: (e.date_from or datetime.date.min, str(e.uuid)))],
        "nct_Comments": [{
            "cco_CaseComment": n.text or "",
            "nct_Institution": n.author_institution.code if n.author_institution_id else "",
            "nct_CreatedAt": n.created_at.astimezone(datetime.UTC).isoformat(),
        } for n in sorted(case.notes.all(), key=lambda n: (n.created_at, str(n.uuid)))],
    })
    from nicat.exchange import proceedings

    record.update(proceedings.records(case, vocab))
    return record


def organisation_record(inst, vocab):
    return {
        "nct_Code": inst.code, "org_Name": inst.name_az, "nct_NameRu": inst.name_ru or "",
        "nct_NameEn": inst.name_en or "", "org_Type": vocab.value(inst.kind),
        "org_ShippingCountry": vocab.value(inst.country), "org_Phone": inst.phone or "",
        "org_ShippingStreet": inst.address or "", "nct_Email": inst.email or "",
        "nct_CompetentAuthority": bool(inst.is_competent_authority), "nct_Nonprofit": bool(inst.is_nonprofit),
        "nct_Active": bool(inst.active),
    }


def export_cases(cases, institutions, progress=None):
    """{"standard", "organisations", "cases"} for the given cases (loaded with what they need)."""
    vocab = Vocabularies()
    records = []
    for i, case in enumerate(cases, start=1):
        records.append(case_record(case, vocab))
        if progress:
            progress(i)
    records.sort(key=lambda r: (r["nct_Reference"], r["nct_CaseId"]))
    orgs = sorted((organisation_record(i, vocab) for i in institutions), key=lambda o: o["nct_Code"])
    return {"standard": STANDARD, "organisations": orgs, "cases": records}


def dumps(data, fmt):
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CASE_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in data["cases"]:
        writer.writerow({k: _csv_value(k, record.get(k)) for k in CASE_FIELDS})
    return out.getvalue()


def _csv_value(name, value):
    if name in LIST_FIELDS:
        return json.dumps(value or [], ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else safe_cell(str(value))


# --- Reading and validating ----------------------------------------------------------------------------

# What belongs in a code field: Nicat's codes and HTCDS picklist values (lowercase letters, digits, _ : . -), an
# institution's code, a two- or three-letter country code.
CODE_LIKE = re.compile(r"[a-z0-9_:.\-]{1,40}|[A-Z]{2,3}")


def shape(value, limit=40):
    """How a value of the file looks, not what it says: each digit a 9, each letter an a (A in capitals), any other
    character as it is, at most `limit` characters, in quotes. A malformed birth date '12.03.1995' is shown as
    '99.99.9999': enough to see what to mend (the problem names the row and the field), nothing of the person."""
    text = str(value)
    out = "".join("9" if c.isdigit() else ("A" if c.isupper() else "a") if c.isalpha() else c for c in text[:limit])
    return repr(out + ("…" if len(text) > limit else ""))


def shown(value, limit=40):
    """A value of the file as a problem quotes it (the API's answer, the command's standard error — which a
    scheduled import leaves in the system's journal): a code as it is, in quotes, so a mistyped code can be seen;
    anything else only by its `shape`, so that a name, a date or a document number written where a code belongs
    never reaches a message (law 1). A JSON number or true/false names nobody and is quoted as it is."""
    text = str(value)
    return repr(text[:limit]) if isinstance(value, (bool, int, float)) or CODE_LIKE.fullmatch(text) else shape(text, limit)


@dataclass
class Problem:
    row: int  # 1-based position of the case in the file (CSV: the line after the header)
    field: str
    message: str

    def __str__(self):  # in the active language (the request's, or the command's)
        if self.field:
            return _("row %(row)d, %(field)s: %(message)s") % {"row": self.row, "field": self.field,
                                                               "message": self.message}
        return _("row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class Parsed:
    organisations: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # problems of the file itself (not of a row)


def loads(text, fmt):
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            # json's own message (exc.msg) is English: the place is said in the reader's language
            return Parsed(problems=[Problem(0, "", _("not valid JSON at line %(line)d, column %(column)d")
                                           % {"line": exc.lineno, "column": exc.colno})])
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            return Parsed(problems=[Problem(0, "", _("expected an object with a %(cases)s list") % {"cases": '"cases"'})])
        orgs = data.get("organisations") or []
        if not isinstance(orgs, list) or not all(isinstance(o, dict) for o in orgs):
            return Parsed(problems=[Problem(0, "organisations", _("expected a list of objects"))])
        return Parsed(organisations=orgs, cases=data["cases"])
    # A cell may be as long as the file (the comments of a case, as JSON): the csv module's default limit of
    # 128 KiB refused a file Nicat itself exported, and its error was a server error.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _csv_cases(reader)
    except csv.Error:  # the csv module's message is English; the row says where
        return Parsed(problems=[Problem(reader.line_num, "", _("not valid CSV"))])


# The yes/no and whole-number fields of a case record. The export writes them as JSON true/false and numbers, and
# in CSV as the text true / false and digits; the import reads exactly these (nicat.exchange.services._Row.boolean,
# .integer): "false" as text in JSON, or "yes" / "1" in CSV, is refused on its field, never read as true.
BOOLEAN_FIELDS = ("nct_BirthdateIsEstimate",)
INTEGER_FIELDS = ("nct_EstimatedAge",)
INTEGER_TEXT = re.compile(r"-?[0-9]+")


def _csv_boolean(text):
    """A CSV cell of a yes/no field: true / false (any case: a spreadsheet saves TRUE / FALSE), empty for not
    given; any other text is left as it is, for the check to refuse on its field."""
    value = (text or "").strip()
    if not value:
        return None
    return {"true": True, "false": False}.get(value.lower(), text)


def _csv_integer(text):
    """A CSV cell of a whole-number field: digits (with a leading minus), empty for not given; any other text is
    left as it is, for the check to refuse on its field."""
    value = (text or "").strip()
    if not value:
        return None
    return int(value) if INTEGER_TEXT.fullmatch(value) else text


def _csv_cases(reader):
    if not reader.fieldnames:
        return Parsed(problems=[Problem(0, "", _("the file is empty"))])
    unknown = [f for f in reader.fieldnames if f not in CASE_FIELDS]
    if unknown:
        return Parsed(problems=[Problem(0, ", ".join(unknown), _("unknown column"))])
    cases = []
    for row in reader:
        record = {name: restore_cell(value) for name, value in row.items()}
        for name in LIST_FIELDS:
            if name in record:
                try:
                    record[name] = json.loads(record[name]) if record[name] else []
                except json.JSONDecodeError:
                    record[name] = {"__invalid__": record[name]}
        for name in BOOLEAN_FIELDS:
            if name in record:
                record[name] = _csv_boolean(record[name])
        for name in INTEGER_FIELDS:
            if name in record:
                record[name] = _csv_integer(record[name])
        cases.append(record)
    return Parsed(cases=cases)
