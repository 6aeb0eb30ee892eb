"""HTCDS export and import: every record checked before anything is written; audited."""
import re
import uuid as uuidlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nicat.audit.services import record as audit_record
from nicat.audit.services import seal_reason
from nicat.core import validators
from nicat.core.errors import NotAllowed
from nicat.core.replica import replica_reads
from nicat.exchange import htcds
from nicat.exchange import proceedings as exchange_proceedings

NAME_MAX = 150
TEXT_MAX = 20000
REFERENCE_RE = re.compile(r"^[A-Z]{2,10}-(\d{4})-(\d{6})$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # the shape of a date the file may give as a day that does not exist


class InvalidFile(ValidationError):
    def __init__(self, problems):
        self.problems = problems
        super().__init__([str(p) for p in problems], code="invalid_file")


# The HTCDS names and values the recognition rule's messages name: kept out of the translated texts.
DECISION_FIELDS = {"presumed": "PossibleVictimOfTrafficking", "decided_by": "nct_StatusDecidedBy",
                   "decided_on": "nct_StatusDecidedOn"}


def _registry(model):
    return model.objects.system()  # whole table: the operator's national HTCDS export and the import's duplicate check


def _cases(cases, rows):
    """`cases` with what the HTCDS record of each reads; `rows(model)`: the export's read of a related model
    (`_registry` for the operator's whole-registry export, the user's scope through the API)."""
    from nicat.cases.models import CaseNote, TraffickingEvent

    return (cases
            .select_related("person", "person__gender", "person__registered_by_institution", "owner_institution",
                            "status_decided_by", "status_decided_by__kind")
            .prefetch_related("person__citizenships", "person__languages", *[a for a, _v in htcds.CASE_TERMS.values()],
                              Prefetch("events", queryset=rows(TraffickingEvent).select_related("country")),
                              Prefetch("notes", queryset=rows(CaseNote).select_related("author_institution")),
                              *exchange_proceedings.prefetches(rows))
            .order_by("pk"))


@replica_reads
def export(*, actor, fmt, progress=None):
    """The whole registry as an HTCDS file (text). Audited with the number of cases and the uuids of the cases
    (`_record_export`), so that each case's access trail shows the operator's export."""
    from nicat.cases.models import Case
    from nicat.directory.models import Institution

    # The operator's full export: every case, read by the system on the operator's order.
    cases = _cases(_registry(Case), _registry)
    institutions = Institution.objects.select_related("kind", "country").all()
    data = htcds.export_cases(cases.iterator(chunk_size=1000), institutions, progress=progress)
    text = htcds.dumps(data, fmt)
    _record_export(actor=actor, case_uuids=[r["nct_CaseId"] for r in data["cases"]],
                   details={"format": fmt, "cases": len(data["cases"]), "organisations": len(data["organisations"])})
    return text, len(data["cases"])


# An export names the cases it wrote, EXPORT_EVENT_CASES to an event: the case's access trail finds its uuid there
# (nicat.audit.selectors BULK_READ_ACTIONS), and no event grows with the registry (a million cases: 1,000
# events of ~40 kB each, appended in one transaction).
EXPORT_EVENT_CASES = 1000


def _record_export(*, actor, case_uuids, details, identified=None, reason=""):
    """The `htcds.export` events of one export, in one transaction: each names its part of the cases exported
    (`case_uuids`, and of `identified` those among them whose identity went out) with `part` and `parts`;
    `details` (the export's totals) is repeated in each."""
    parts = [case_uuids[i:i + EXPORT_EVENT_CASES] for i in range(0, len(case_uuids), EXPORT_EVENT_CASES)] or [[]]
    identified = set(identified) if identified is not None else None
    with transaction.atomic():
        for n, part in enumerate(parts, start=1):
            named = {"case_uuids": part, "part": n, "parts": len(parts)}
            if identified is not None:
                named["identified"] = [u for u in part if u in identified]
            audit_record(actor=actor, action="htcds.export", reason=reason, details={**details, **named})


# --- The same through the API: who may, and what of each case they get ----------------------------------

MIN_PURPOSE = 10

# The HTCDS fields of each case section (nicat.access.sections): a section the user may not see on a case
# leaves these fields empty in that case's record, as the case's own page and API do.
SECTION_FIELDS = {
    "identity": ("prs_FirstName", "prs_SecondName", "prs_MiddleName", "nct_Aliases", "prs_Birthdate",
                 "nct_BirthdateIsEstimate", "nct_EstimatedAge", "nct_AgeRecordedOn", "prs_Gender", "prs_Citizenship",
                 "nct_Languages", "prs_IdentityNumber", "nct_Documents"),
    "contacts": ("prs_Email", "prs_MobilePhone", "prs_MailingStreet"),
    "narrative": ("nct_Summary", "nct_Events", "nct_Comments"),
    "investigation": ("nct_Perpetrators", "nct_Proceedings", "nct_ReleaseRequests"),
}


def may_exchange(user):
    """Who may export and import HTCDS files through the API: the supervisors of the competent authority
    (the Main Department), who coordinate the national referral mechanism — the same people who get the
    internal edition of the annual report. Nobody else (analysts never get a name)."""
    from nicat.access.predicates import is_competent_supervisor

    return bool(user and user.is_authenticated and is_competent_supervisor(user))


def _blank(value):
    if isinstance(value, list):
        return []
    if isinstance(value, bool):
        return False
    if value is None or isinstance(value, int):
        return None
    return ""


def _organisations_for(user, institutions, vocab):
    """The `organisations` of the file as `user` may read them: a confidential address (a shelter's, an
    assistance centre's) is left empty where the directory hides it from `user`
    (`directory.selectors.institution_address_visible_to`, the one rule). Returns (records, addresses withheld)."""
    from nicat.directory.selectors import institution_address_visible_to

    orgs, withheld = [], 0
    for institution in institutions:
        org = htcds.organisation_record(institution, vocab)
        if org["org_ShippingStreet"] and not institution_address_visible_to(user, institution):
            org["org_ShippingStreet"] = ""
            withheld += 1
        orgs.append(org)
    return sorted(orgs, key=lambda o: o["nct_Code"]), withheld


@replica_reads
def export_for(*, user, fmt, purpose):
    """The cases `user` may see as an HTCDS file (text), for the API. Only for `may_exchange` users
    (NotAllowed otherwise); a purpose is required because the file names people; every section of a case
    the user may not see is left empty in its record, and so is an institution's address the directory hides
    from the user. Audited (`htcds.export`) with the purpose as its reason and the UUIDs of the cases exported
    and of those whose identity went out."""
    from nicat.access import policy
    from nicat.cases.models import Case
    from nicat.directory.models import Institution

    if not may_exchange(user):
        raise NotAllowed
    if fmt not in ("json", "csv"):
        raise ValidationError({"format": _("Choose json or csv.")})
    purpose = (purpose or "").strip()
    if len(purpose) < MIN_PURPOSE:
        raise ValidationError({"purpose": _("State why the file is needed (at least %(n)d characters): the file "
                                            "names people and the export is recorded with this purpose.")
                               % {"n": MIN_PURPOSE}})
    vocab = htcds.Vocabularies()
    records, identified, withheld = [], [], 0
    for case in _cases(Case.objects.visible_to(user), lambda model: model.objects.visible_to(user)).iterator(
            chunk_size=1000):
        policy.note_case_visible(user, case)
        record = htcds.case_record(case, vocab)
        sections = policy.visible_sections(user, case)
        for section, names in SECTION_FIELDS.items():
            if section not in sections:
                withheld += 1
                for name in names:
                    record[name] = _blank(record[name])
        if "identity" in sections:
            identified.append(record["nct_CaseId"])
        records.append(record)
    records.sort(key=lambda r: (r["nct_Reference"], r["nct_CaseId"]))
    orgs, addresses_withheld = _organisations_for(user, Institution.objects.select_related("kind", "country"), vocab)
    text = htcds.dumps({"standard": htcds.STANDARD, "organisations": orgs, "cases": records}, fmt)
    _record_export(actor=user, reason=seal_reason(purpose), case_uuids=[r["nct_CaseId"] for r in records],
                   identified=identified, details={
                       "format": fmt, "cases": len(records), "organisations": len(orgs), "via": "api",
                       "sections_withheld": withheld, "addresses_withheld": addresses_withheld})
    return text, len(records)


# --- Import ------------------------------------------------------------------------------------------

class _Row:
    def __init__(self, index, raw, problems, prefix=""):
        self.index, self.raw, self.problems, self.clean, self.prefix = index, raw, problems, {}, prefix

    def fail(self, name, message):
        self.problems.append(htcds.Problem(self.index, f"{self.prefix}.{name}" if self.prefix else name, message))

    def text(self, name, limit=NAME_MAX, required=False):
        value = self.raw.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(name, _("expected text"))
            return ""
        value = value.strip()
        if required and not value:
            self.fail(name, _("required"))
        if len(value) > limit:
            self.fail(name, _("longer than %(limit)d characters") % {"limit": limit})
        # The project's one rule for text (nicat.core.validators): one-line values refuse line breaks too.
        self._check(name, validators.plain_text if limit > NAME_MAX else validators.single_line, value)
        return value

    def _check(self, name, rule, value):
        try:
            rule(value)
        except ValidationError as error:
            self.fail(name, " ".join(error.messages))
            return False
        return True

    def date(self, name, value=None):
        value = self.raw.get(name, "") if value is None else value
        if value in ("", None):
            return None
        try:
            parsed = parse_date(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            if isinstance(value, str) and ISO_DAY.fullmatch(value):
                self.fail(name, _("no such day in the calendar: check the month and the day (YYYY-MM-DD)"))
            else:  # the shape only: a date of the file may be a birth date (htcds.shape)
                self.fail(name, _("expected a date YYYY-MM-DD, found %(value)s") % {"value": htcds.shape(value, 30)})
            return None
        self._check(name, validators.plausible_date, parsed)
        return parsed

    def moment(self, name, value=None, required=False, future_ok=False):
        value = self.raw.get(name, "") if value is None else value
        if value in ("", None):
            if required:
                self.fail(name, _("required"))
            return None
        try:
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.fail(name, _("expected a date and time with its offset, found %(value)s") % {"value": htcds.shape(value)})
            return None
        self._check(name, validators.plausible_date if future_ok else validators.not_in_future, parsed)
        return parsed

    def choice(self, name, choices, default=""):
        value = self.raw.get(name, "") or default
        if value and value not in {c.value for c in choices}:
            self.fail(name, _("unknown value %(value)s") % {"value": htcds.shown(value)})
            return default
        return value

    def term(self, name, vocab, vocabulary, value=None):
        value = self.raw.get(name, "") if value is None else value
        if value in ("", None):
            return None
        term = vocab.term(vocabulary, value) if isinstance(value, str) else None
        if term is None:
            self.fail(name, _("%(value)s is not a %(vocabulary)s value")
                      % {"value": htcds.shown(value), "vocabulary": vocabulary})
        return term

    def terms(self, name, vocab, vocabulary):
        values = self.raw.get(name) or []
        if not isinstance(values, list):
            self.fail(name, _("expected a list"))
            return []
        found = [self.term(name, vocab, vocabulary, v) for v in values]
        return [t for t in found if t is not None]

    def boolean(self, name, default=False):
        """A yes/no field: JSON true or false (in CSV the text true / false, read so by htcds.loads); absent or
        null gives `default`. Anything else — "false" as text, 0, 1, "yes" — is refused on its field: read
        loosely, the text "false" was true."""
        value = self.raw.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(name, _("expected true or false, found %(value)s: in JSON write true or false without "
                              "quotes; in CSV the text true or false") % {"value": htcds.shown(value, 30)})
            return default
        return value

    def integer(self, name, low, high, what):
        """A whole-number field from `low` to `high` (in CSV: digits, read so by htcds.loads); absent, null or
        empty gives None. A boolean (true is no 1), a fraction or a text is refused on its field."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(name, _("expected %(what)s, a whole number from %(low)d to %(high)d, found %(value)s")
                      % {"what": what, "low": low, "high": high, "value": htcds.shown(value, 30)})
            return None
        return value

    def uuid(self, name):
        value = self.raw.get(name, "")
        if not value:
            return None
        try:
            return uuidlib.UUID(str(value))
        except ValueError:
            self.fail(name, _("not a UUID"))
            return None


DOCUMENT_FIELDS = ("type", "number", "country", "expiry")
DOCUMENT_NUMBER_MAX = 64  # as the person's API takes it (nicat.persons.api.DocumentSerializer)


def _document(row, vocab):
    """One identity document of `nct_Documents` as the person's API takes it and the export writes it: a type of
    the document_type vocabulary, a number (text, at most 64 characters), a country, an expiry date — Nicat's own
    codes. Returned with the fields the file gave (a round trip writes the same file); each problem named on its
    field."""
    for name in sorted(set(row.raw) - set(DOCUMENT_FIELDS), key=str):
        row.fail(str(name), _("unknown field of a document; a document has %(fields)s")
                 % {"fields": ", ".join(DOCUMENT_FIELDS)})
    kind = row.raw.get("type") or ""
    if not isinstance(kind, str) or vocab.term("document_type", f"nct:{kind}") is None:
        row.fail("type", _("%(value)s is not a document type (%(examples)s)")
                 % {"value": htcds.shown(kind), "examples": "passport, national_id_card, …"})
    number = row.text("number", DOCUMENT_NUMBER_MAX)
    country = row.raw.get("country") or ""
    if country and (not isinstance(country, str) or vocab.term("country", f"nct:{country}") is None):
        row.fail("country", _("%(value)s is not a country code") % {"value": htcds.shown(country)})
    expiry = row.date("expiry")
    clean = {"type": kind, "number": number, "country": country, "expiry": expiry.isoformat() if expiry else ""}
    return {name: clean[name] for name in DOCUMENT_FIELDS if name in row.raw}


# What the import refuses for each flag, and why (translated when the problem is made).
AUTHORISING_FLAGS = {
    "nct_CompetentAuthority": gettext_lazy(
        "an import does not make an institution the competent authority: set it to false (or leave it out) and "
        "ask an administrator to mark the institution in the directory if it is one"),
    "nct_Nonprofit": gettext_lazy(
        "an import does not make an institution a registered non-profit (an authorised provider of services): set "
        "it to false (or leave it out) and ask an administrator to mark the institution in the directory if it is "
        "one"),
}


ORGANISATION_FLAGS = {"nct_CompetentAuthority": False, "nct_Nonprofit": False, "nct_Active": True}  # and defaults


def _check_organisation(i, raw, vocab, problems, known, restore):
    before = len(problems)
    where = f"organisations[{i}]"
    row = _Row(0, raw, problems, prefix=where)
    code = raw.get("nct_Code", "") if isinstance(raw, dict) else ""
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(htcds.Problem(0, f"{where}.nct_Code", _("a short code of lower-case letters, digits and -")))
        return None
    # The flags read strictly: "false" as text was true, and the operator's restore made the institution the
    # competent authority (or a provider, or left it active).
    flags = {name: row.boolean(name, default) for name, default in ORGANISATION_FLAGS.items()}
    if len(problems) > before:
        return None
    # Two flags give an institution a power: the competent authority decides who is a victim, and a registered
    # non-profit is an authorised provider of services (assistance.services.plans.provider_authorisation:
    # referrals, the plan and the service log then share data with it). Only an administrator sets them, in
    # the directory; only the operator's restore of a registry brings them.
    raised = [flag for flag in AUTHORISING_FLAGS if flags[flag]] if code not in known and not restore else []
    for flag in raised:
        problems.append(htcds.Problem(0, f"{where}.{flag}", str(AUTHORISING_FLAGS[flag])))
    if raised:
        return None
    name = row.text("org_Name", 255, required=True)
    kind = vocab.term("institution_kind", raw.get("org_Type", ""))
    if kind is None:
        problems.append(htcds.Problem(0, f"{where}.org_Type", _("%(value)s is not an institution kind")
                                      % {"value": repr(raw.get("org_Type"))}))
        return None
    return {"code": code, "name_az": name, "name_ru": row.text("nct_NameRu", 255), "name_en": row.text("nct_NameEn", 255),
            "kind": kind, "country": row.term("org_ShippingCountry", vocab, "country"),
            "phone": row.text("org_Phone", 100), "address": row.text("org_ShippingStreet", 500),
            "email": row.text("nct_Email", 254), "is_competent_authority": flags["nct_CompetentAuthority"],
            "is_nonprofit": flags["nct_Nonprofit"], "active": flags["nct_Active"]}


def _check_case(index, raw, vocab, institutions, seen, existing, *, restore):
    from nicat.cases.models import CameToNotice, CaseStatus, ClosureReason, EventKind, Scope, TraffickingStatus

    problems = []
    row = _Row(index, raw if isinstance(raw, dict) else {}, problems)
    if not isinstance(raw, dict):
        row.fail("", _("expected an object"))
        return row
    c = row.clean
    c["case_uuid"] = row.uuid("nct_CaseId")
    if c["case_uuid"] and (c["case_uuid"] in existing["cases"] or c["case_uuid"] in seen["cases"]):
        row.fail("nct_CaseId", _("this case is already in the registry (or twice in the file)"))
    reference = row.text("nct_Reference", 32)
    if reference and not REFERENCE_RE.match(reference):
        row.fail("nct_Reference", _("expected a reference such as %(example)s") % {"example": "NCT-2026-000123"})
    elif reference and (reference in existing["references"] or reference in seen["references"]):
        row.fail("nct_Reference", _("this reference is already in the registry (or twice in the file)"))
    c["reference"] = reference
    c["person_uuid"] = row.uuid("nct_PersonId")
    if c["person_uuid"] and c["person_uuid"] in existing["persons"]:
        row.fail("nct_PersonId", _("names a person already in this registry: an import never links to an existing "
                                   "person; the coordinator's duplicate review does"))
    person = {
        "given_name": row.text("prs_FirstName"), "family_name": row.text("prs_SecondName"),
        "patronymic": row.text("prs_MiddleName"),
        "birth_date": row.date("prs_Birthdate"), "birth_date_is_estimate": row.boolean("nct_BirthdateIsEstimate"),
        "age_recorded_on": row.date("nct_AgeRecordedOn"),
        "email": row.text("prs_Email", 254), "phone": row.text("prs_MobilePhone", 100),
        "address": row.text("prs_MailingStreet", 1000),
    }
    if person["birth_date"]:
        row._check("prs_Birthdate", validators.not_in_future, person["birth_date"])
    aliases = raw.get("nct_Aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and len(a) <= NAME_MAX for a in aliases):
        row.fail("nct_Aliases", _("expected a list of names"))
        aliases = []
    person["aliases"] = aliases
    person["estimated_age"] = row.integer("nct_EstimatedAge", 0, 120, _("an age in years"))
    documents = raw.get("nct_Documents") or []
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        row.fail("nct_Documents", _("expected a list of documents"))
        documents = []
    documents = [_document(_Row(index, d, problems, prefix=f"nct_Documents[{j}]"), vocab)
                 for j, d in enumerate(documents)]
    if not documents and raw.get("prs_IdentityNumber"):
        documents = [{"type": "other", "number": row.text("prs_IdentityNumber", 100)}]
    person["documents"] = documents
    c["gender"] = row.term("prs_Gender", vocab, "gender")
    c["citizenships"] = row.terms("prs_Citizenship", vocab, "country")
    c["languages"] = row.terms("nct_Languages", vocab, "language")
    c["person"] = person
    registered_by = raw.get("nct_PersonRegisteredBy") or raw.get("nct_OwnerInstitution")
    c["registered_by"] = registered_by if registered_by in institutions else None
    c["trafficking_status"] = row.choice("vic_TraffickingStatus", TraffickingStatus, TraffickingStatus.POSSIBLE)
    decided_by = raw.get("nct_StatusDecidedBy") or ""
    if decided_by and decided_by not in institutions:
        row.fail("nct_StatusDecidedBy", _("unknown institution %(value)s") % {"value": htcds.shown(decided_by)})
    c["decided_by"] = decided_by
    c["decided_on"] = row.date("nct_StatusDecidedOn")
    # Recognition only by decision (docs/legal-rules.md): a status other than "presumed" comes with the
    # decision it rests on — the deciding institution and the day. Only the operator's restore of a registry
    # carries it; anyone else's import brings the case as presumed, and the decision is recorded in Nicat.
    if not restore and c["trafficking_status"] != TraffickingStatus.POSSIBLE:
        row.fail("vic_TraffickingStatus", _(
            "an import brings a case as %(presumed)s: recognition is the competent authority's decision, recorded "
            "in Nicat by its identification officer with the reasons. Import the case as %(presumed)s, without "
            "%(decided_by)s and %(decided_on)s, then record the decision on the case") % DECISION_FIELDS)
    elif not restore and (decided_by or c["decided_on"]):
        row.fail("nct_StatusDecidedBy", _("a presumed victim has no decision yet: leave %(decided_by)s and "
                                          "%(decided_on)s empty") % DECISION_FIELDS)
    elif c["trafficking_status"] != TraffickingStatus.POSSIBLE and not (decided_by and c["decided_on"]):
        row.fail("vic_TraffickingStatus", _("a decided status needs the decision it rests on: %(decided_by)s "
                                            "(the deciding institution) and %(decided_on)s (the day)")
                 % DECISION_FIELDS)
    for name, (attr, vocabulary) in htcds.CASE_TERMS.items():
        c[attr] = row.terms(name, vocab, vocabulary)
    c["status"] = row.choice("cas_Status", CaseStatus, CaseStatus.ACTIVE)
    c["closure_reason"] = row.choice("cas_ReasonForCaseClosure", ClosureReason, "")
    owner = raw.get("nct_OwnerInstitution") or ""
    if owner not in institutions:
        row.fail("nct_OwnerInstitution", _("unknown institution %(value)s: list it under %(organisations)s or "
                                           "create it first") % {"value": htcds.shown(owner),
                                                                 "organisations": "organisations"})
    c["owner"] = owner
    c["first_contact_at"] = row.moment("nct_FirstContact", required=True)
    c["came_to_notice"] = row.choice("nct_CameToNotice", CameToNotice, CameToNotice.OTHER)
    c["scope"] = row.choice("nct_Scope", Scope, Scope.UNKNOWN)
    c["summary"] = row.text("nct_Summary", TEXT_MAX)
    events = raw.get("nct_Events") or []
    c["events"] = []
    if not isinstance(events, list):
        row.fail("nct_Events", _("expected a list"))
        events = []
    for j, e in enumerate(events):
        if not isinstance(e, dict):
            row.fail(f"nct_Events[{j}]", _("expected an object"))
            continue
        sub = _Row(index, e, problems)
        kind = e.get("hte_Type", "")
        if kind not in {k.value for k in EventKind}:
            row.fail(f"nct_Events[{j}].hte_Type", _("unknown value %(value)s") % {"value": htcds.shown(kind)})
        start, end = sub.date("hte_Date"), sub.date("nct_DateTo")
        if start and end and end < start:
            row.fail(f"nct_Events[{j}].nct_DateTo", _("ends before it starts"))
        c["events"].append({"kind": kind, "country": sub.term("hte_Country", vocab, "country"),
                            "place": sub.text("hte_City", 255), "date_from": start, "date_to": end,
                            "description": sub.text("hte_Description", TEXT_MAX)})
    comments = raw.get("nct_Comments") or []
    c["comments"] = []
    if not isinstance(comments, list):
        row.fail("nct_Comments", _("expected a list"))
        comments = []
    for j, n in enumerate(comments):
        if not isinstance(n, dict):
            row.fail(f"nct_Comments[{j}]", _("expected an object"))
            continue
        sub = _Row(index, n, problems)
        inst = n.get("nct_Institution") or ""
        if inst and inst not in institutions:
            row.fail(f"nct_Comments[{j}].nct_Institution", _("unknown institution %(value)s")
                     % {"value": htcds.shown(inst)})
        c["comments"].append({"text": sub.text("cco_CaseComment", TEXT_MAX, required=True), "institution": inst,
                              "created_at": sub.moment("nct_CreatedAt") or timezone.now()})
    # Suspected traffickers and criminal proceedings (nicat.exchange.proceedings).
    exchange_proceedings.check(row, raw, vocab, institutions, seen, existing,
                               lambda sub, where: _Row(index, sub, problems, prefix=where))
    if not problems:
        if c["case_uuid"]:
            seen["cases"].add(c["case_uuid"])
        if reference:
            seen["references"].add(reference)
    return row


WRONG_SHAPE = gettext_lazy("a value has the wrong type: a list or an object where one value belongs, or the other "
                           "way round; compare the record with an exported file")


def _checked_organisation(i, raw, vocab, problems, known, restore):
    """_check_organisation, with a value of the wrong shape (a list where a code belongs…) reported as a
    problem of the file, not a server error: the file is anyone's text."""
    try:
        return _check_organisation(i, raw, vocab, problems, known, restore)
    except (TypeError, AttributeError):
        problems.append(htcds.Problem(0, f"organisations[{i}]", str(WRONG_SHAPE)))
        return None


def _checked_case(index, raw, vocab, institutions, seen, existing, *, restore):
    """_check_case, with a value of the wrong shape reported as the row's problem, not a server error."""
    try:
        return _check_case(index, raw, vocab, institutions, seen, existing, restore=restore)
    except (TypeError, AttributeError):
        row = _Row(index, {}, [])
        row.fail("", str(WRONG_SHAPE))
        return row


def import_file(*, actor, text, fmt, skip_invalid=False, progress=None, restore=False):
    """Imports an HTCDS file. Returns {"cases": n, "persons": n, "organisations": n, "skipped": [Problem],
    "event": its `htcds.import` audit event}.
    With any invalid row and no `skip_invalid`, raises InvalidFile and writes nothing.

    `restore`: the operator's command restoring a registry as it was exported — decided trafficking statuses
    and the flags of new institutions (competent authority, registered non-profit) travel with it. Without it
    (the API), a record with a decided status and a new institution with either flag are refused: recognition
    is recorded in Nicat by decision, and the flags are an administrator's acts in the directory."""
    from nicat.cases.models import Case
    from nicat.directory.models import Institution
    from nicat.directory.services import add_imported_institution
    from nicat.persons.models import Person

    if fmt not in ("json", "csv"):
        raise ValidationError(_("Name a .json or .csv file."))
    parsed = htcds.loads(text, fmt)
    if parsed.problems:
        raise InvalidFile(parsed.problems)
    vocab = htcds.Vocabularies()
    file_problems = []
    known = set(Institution.objects.values_list("code", flat=True))
    orgs = [o for o in (_checked_organisation(i, raw, vocab, file_problems, known, restore)
                        for i, raw in enumerate(parsed.organisations)) if o]
    if file_problems:
        raise InvalidFile(file_problems)
    institutions = known | {o["code"] for o in orgs}
    existing = {
        "cases": set(_registry(Case).values_list("uuid", flat=True)),
        "references": set(_registry(Case).values_list("reference", flat=True)),
        "persons": set(_registry(Person).values_list("uuid", flat=True)),
        **exchange_proceedings.existing_ids(_registry),
    }
    seen = {"cases": set(), "references": set(), "perpetrators": set(), "criminal_cases": set(), "hearings": set()}
    rows = []
    for i, raw in enumerate(parsed.cases, start=1):
        rows.append(_checked_case(i, raw, vocab, institutions, seen, existing, restore=restore))
        if progress:
            progress(i, len(parsed.cases), "checked")
    bad = [r for r in rows if r.problems]
    if bad and not skip_invalid:
        raise InvalidFile([p for r in bad for p in r.problems])
    good = [r for r in rows if not r.problems]
    with transaction.atomic():
        created_orgs = 0
        for o in orgs:
            if o["code"] not in known:  # created through the directory's service, audited there
                add_imported_institution(actor=actor, institution=Institution(**o), restore=restore)
                created_orgs += 1
        by_code = {i.code: i for i in Institution.objects.all()}
        persons = {}
        created_cases = []
        for n, row in enumerate(good, start=1):
            created_cases.append(_write(row.clean, by_code, persons))
            if progress:
                progress(n, len(good), "written")
        _bump_counters(created_cases)
        event = audit_record(actor=actor, action="htcds.import", details={
            "format": fmt, "cases": len(created_cases), "persons": len(persons), "organisations": created_orgs,
            "skipped": len(bad), "case_uuids": [str(c.uuid) for c in created_cases]})
    return {"cases": len(created_cases), "persons": len(persons), "organisations": created_orgs,
            "skipped": [p for r in bad for p in r.problems], "event": event}


def import_event(*, user, pk):
    """The `htcds.import` event of an import `user` made (its counts answer a repeated request), or None."""
    from nicat.audit.models import AuditEvent

    return AuditEvent.objects.filter(pk=pk, action="htcds.import", actor=user).first()


def import_for(*, user, text, fmt, skip_invalid=False):
    """`import_file` for the API: only for `may_exchange` users (NotAllowed otherwise); audited with them. Not a
    restore: every case comes in as presumed, and no new institution as the competent authority."""
    if not may_exchange(user):
        raise NotAllowed
    return import_file(actor=user, text=text, fmt=fmt, skip_invalid=skip_invalid)


def _write(c, by_code, persons):
    from nicat.cases.models import Case, CaseNote, TraffickingEvent
    from nicat.cases.services import next_reference
    from nicat.persons.indexing import reindex
    from nicat.persons.models import Person

    key = c["person_uuid"] or uuidlib.uuid4()
    person = persons.get(key)
    if person is None:
        owner = by_code[c["owner"]]
        person = Person(uuid=key, gender=c["gender"], registered_by_institution=by_code.get(c["registered_by"]) or owner,
                        **c["person"])
        person.save()
        person.citizenships.set(c["citizenships"])
        person.languages.set(c["languages"])
        reindex(person)
        persons[key] = person
    case = Case(person=person, owner_institution=by_code[c["owner"]], status=c["status"],
                closure_reason=c["closure_reason"], trafficking_status=c["trafficking_status"],
                status_decided_by=by_code.get(c["decided_by"]) if c["decided_by"] else None,
                status_decided_on=c["decided_on"], came_to_notice=c["came_to_notice"],
                first_contact_at=c["first_contact_at"], scope=c["scope"], summary=c["summary"],
                reference=c["reference"] or next_reference(timezone.localtime(c["first_contact_at"]).year))
    if c["case_uuid"]:
        case.uuid = c["case_uuid"]
    case.save()
    for _name, (attr, _vocabulary) in htcds.CASE_TERMS.items():
        getattr(case, attr).set(c[attr])
    TraffickingEvent.objects.bulk_create([TraffickingEvent(case=case, **e) for e in c["events"]])
    notes = [CaseNote(case=case, text=n["text"], author_institution=by_code.get(n["institution"]))
             for n in c["comments"]]
    CaseNote.objects.bulk_create(notes)
    for note, n in zip(notes, c["comments"], strict=True):  # auto_now_add: set the original time after
        CaseNote.objects.row(note).update(created_at=n["created_at"])
    exchange_proceedings.write(case, c["proceedings"], by_code)
    return case


def _bump_counters(cases):
    """After references were imported, new intakes continue after the highest number of each year."""
    from nicat.cases.models import CaseReferenceCounter

    highest = {}
    for case in cases:
        m = REFERENCE_RE.match(case.reference)
        if m:
            year, number = int(m.group(1)), int(m.group(2))
            highest[year] = max(highest.get(year, 0), number)
    for year, number in highest.items():
        counter, _created = CaseReferenceCounter.objects.select_for_update().get_or_create(year=year)
        if counter.last < number:
            counter.last = number
            counter.save(update_fields=["last"])
