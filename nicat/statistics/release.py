"""A k-anonymous release of Nicat's cases in the CTDC victim format (CTDC global dataset, data
dictionary 2018): one row per case, -99 for unknown, every combination of the quasi-identifying
columns shared by at least k rows.

How k is reached (each step only where a row's combination is still rarer than k):
local suppression — a quasi-identifier of the rare rows is set to -99, least informative first
(age at exploitation, age band, country of exploitation, citizenship, the form of exploitation,
gender, year, majority status) — and, for the rows still rarer than k when nothing is left to
blank, record suppression (the row is left out). The release says how many were left out.
"""
import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from operator import itemgetter
from zoneinfo import ZoneInfo

from nicat.statistics.suppression import DEFAULT_K
from nicat.statistics.whole import whole_table

BAKU = ZoneInfo("Asia/Baku")
MISSING = "-99"
AGE_BANDS = [(0, 8, "0--8"), (9, 17, "9--17"), (18, 20, "18--20"), (21, 23, "21--23"), (24, 26, "24--26"),
             (27, 29, "27--29"), (30, 38, "30--38"), (39, 47, "39--47"), (48, 200, "48+")]
EXPLOIT_COLUMNS = ["isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isForcedMarriage",
                   "isForcedMilitary", "isOrganRemoval"]
MEANS_COLUMNS = ["meansOfControlDebtBondage", "meansOfControlTakesEarnings", "meansOfControlThreats",
                 "meansOfControlPsychologicalAbuse", "meansOfControlPhysicalAbuse", "meansOfControlSexualAbuse",
                 "meansOfControlFalsePromises", "meansOfControlPsychoactiveSubstances",
                 "meansOfControlRestrictsMovement", "meansOfControlWithholdsDocuments", "meansOfControlOther",
                 "isAbduction"]
COLUMNS = (["yearOfRegistration", "Datasource", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit",
            "citizenship"] + MEANS_COLUMNS + EXPLOIT_COLUMNS + ["typeOfExploitConcatenated",
                                                                "CountryOfExploitation"])
# The quasi-identifiers, in the order they are blanked (first = least informative to lose).
# The exploitation flags move together, as one quasi-identifier.
QUASI_IDENTIFIERS = ["majorityStatusAtExploit", "ageBroad", "CountryOfExploitation", "citizenship",
                     "exploitation", "gender", "yearOfRegistration", "majorityStatus"]


@dataclass
class Release:
    rows: list
    k: int
    cases: int  # cases considered
    left_out: int  # rows suppressed whole
    blanked: dict  # quasi-identifier -> values set to -99 by suppression
    refused: int = 0  # cases left out before anonymisation: the person refused the use for research


_QI_COLUMNS = [c for c in QUASI_IDENTIFIERS if c != "exploitation"] + EXPLOIT_COLUMNS + ["typeOfExploitConcatenated"]
_qi_values = itemgetter(*_QI_COLUMNS)


def qi_key(row):
    """The combination of quasi-identifying values of a release row."""
    return _qi_values(row)


def _band(age):
    if age is None:
        return MISSING
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _majority(age, majority):
    """CTDC majorityStatus of an age in whole years, under the age of majority `majority` in force that day."""
    return MISSING if age is None else ("Minor" if age < majority else "Adult")


_AGE_COLUMNS = {}


def _age_columns(age, majority):
    """(ageBroad, majorityStatus) of an age in whole years (None: unknown); looked up, as a million cases
    have only a few hundred ages."""
    columns = _AGE_COLUMNS.get((age, majority))
    if columns is None:
        columns = _AGE_COLUMNS[(age, majority)] = (_band(age), _majority(age, majority))
    return columns


def registry_rows(batch=20000, refused=None):
    """Release rows (before anonymisation) of every case, read as plain values in a few queries per
    batch rather than as model instances: the whole registry is read by the system for an anonymised
    release, and no row of it leaves this module but as counts-safe CTDC values.

    At a million cases the reading is the release's cost, so each batch is one query of the cases with
    their persons' age columns, the day of first contact already on the Baku calendar (a date, not an
    instant to convert per row), the birth dates decrypted together (`from_db_values`), and the
    registration day only of the persons whose age is an estimate.

    The cases whose person refused (or withdrew) the use for research (anonymised) are left out: `refused`,
    their ids (by default `consent.services.refusing_case_ids` over the whole consent table)."""
    from django.db import models
    from django.db.models.functions import TruncDate

    from nicat.cases.models import Case, EventKind, TraffickingEvent
    from nicat.consent.models import Consent, Purpose
    from nicat.consent.services import refusing_case_ids
    from nicat.persons.age import child_age, years_from
    from nicat.persons.models import Person
    from nicat.privacy.fields import stored
    from nicat.vocab.models import Term

    if refused is None:
        refused = refusing_case_ids(whole_table(Consent), Purpose.RESEARCH)  # only case ids leave
    terms = {t.pk: t for t in Term.objects.all()}
    birth_date = Person._meta.get_field("birth_date")
    made = {}  # rows already made, by what they are made of: cases alike share one (read-only) row
    majorities = {}  # the age of majority in force, by day (a million cases have a few thousand days)

    def majority_on(day):
        if day not in majorities:
            majorities[day] = child_age(day)
        return majorities[day]

    case_ids = [pk for pk in whole_table(Case).order_by("pk").values_list("pk", flat=True) if pk not in refused]
    registered = models.Case(models.When(person__estimated_age__isnull=False,
                                         then=TruncDate("person__created_at", tzinfo=BAKU)), default=None)
    # Batches by ranges of ids (an indexed range, and subqueries for the persons), not by lists of
    # thousands of ids: preparing such a list's parameters cost more than reading the rows.
    for start in range(0, len(case_ids), batch):
        low, high = case_ids[start], case_ids[min(start + batch, len(case_ids)) - 1]
        in_batch = {"pk__gte": low, "pk__lte": high}
        cases = list(whole_table(Case).filter(**in_batch).order_by("pk").values_list(
            "pk", "person_id", TruncDate("first_contact_at", tzinfo=BAKU), "person__gender_id",
            "person__birth_date_is_estimate", "person__estimated_age", "person__age_recorded_on", registered,
            stored("person__birth_date")))
        if refused:
            cases = [row for row in cases if row[0] not in refused]
        births = birth_date.from_db_values(row[-1] for row in cases)
        # The persons of the batch, with the range of their ids beside: without it PostgreSQL reads the whole
        # citizenship table for every batch (a hash join), with it an index range (the ids of a person and
        # their case mostly go together; the subquery keeps the answer exact when they do not).
        persons_of_batch = whole_table(Case).filter(**in_batch).values("person_id")
        person_ids = [row[1] for row in cases]
        citizenships = _m2m(Person.citizenships.through, "person_id", {
            "person_id__gte": min(person_ids), "person_id__lte": max(person_ids), "person_id__in": persons_of_batch})
        case_range = {"case_id__gte": low, "case_id__lte": high}
        means = _m2m(Case.means.through, "case_id", case_range)
        forms = _m2m(Case.exploitation_forms.through, "case_id", case_range)
        exploitation_countries = _m2m(Case.countries_of_exploitation.through, "case_id", case_range)
        exploit_start = dict(whole_table(TraffickingEvent)
                             .filter(kind=EventKind.EXPLOITATION, date_from__isnull=False, **case_range)
                             .values("case_id").annotate(first=models.Min("date_from")).order_by()
                             .values_list("case_id", "first"))
        for (case_id, person_id, contact, gender, *age, _), born in zip(cases, births, strict=True):
            exploit_day = exploit_start.get(case_id)
            key = (contact.year, _age_columns(years_from(contact, born, *age)[0], majority_on(contact)),
                   _majority(years_from(exploit_day, born, *age)[0], majority_on(exploit_day)) if exploit_day
                   else MISSING, gender,
                   citizenships.get(person_id, ()), means.get(case_id, ()), forms.get(case_id, ()),
                   exploitation_countries.get(case_id, ()))
            row = made.get(key)
            if row is None:
                row = made[key] = _make_row(key, terms)
            yield row


def _m2m(through, owner, where):
    """{owner id: its term ids, sorted} of a many-to-many table."""
    out = defaultdict(list)
    for key, term_id in through.objects.filter(**where).values_list(owner, "term_id"):
        out[key].append(term_id)
    return {key: tuple(sorted(ids)) for key, ids in out.items()}


def _make_row(key, terms):
    """The release row of the cases whose `key` (made by registry_rows) is `key`: most of a national registry
    repeats a few thousand rows, so anonymise() and write_csv() work once per distinct row object."""
    year, (age_broad, majority), majority_at_exploit, gender_id, citizenships, means_ids, form_ids, country_ids = key
    means = {terms[i].ctdc_code for i in means_ids if terms[i].ctdc_code}
    forms = [terms[i] for i in form_ids]
    exploit_codes = {t.ctdc_code for t in forms if t.ctdc_code}
    gender = terms.get(gender_id) if gender_id else None
    row = {
        "yearOfRegistration": str(year), "Datasource": "Case Management",
        "gender": (gender.ctdc_code or MISSING) if gender else MISSING,
        "ageBroad": age_broad, "majorityStatus": majority,
        "majorityStatusAtExploit": majority_at_exploit,
        "citizenship": ";".join(sorted((terms[i].ctdc_code or terms[i].code) for i in citizenships)) or MISSING,
    }
    for column in MEANS_COLUMNS:
        row[column] = ("1" if column in means else "0") if means_ids else MISSING
    for column in EXPLOIT_COLUMNS:
        row[column] = ("1" if column in exploit_codes else "0") if forms else MISSING
    if forms and "isSexualExploit" in exploit_codes and "isForcedLabour" in exploit_codes:
        row["isSexAndLabour"] = "1"
    row["typeOfExploitConcatenated"] = ";".join(sorted(str(t.label_en) for t in forms)) or MISSING
    row["CountryOfExploitation"] = ";".join(sorted((terms[i].ctdc_code or terms[i].code)
                                                   for i in country_ids)) or MISSING
    return row


def anonymise(rows, k=DEFAULT_K):
    """Makes every quasi-identifier combination occur at least k times; returns a Release.

    A row's fate depends only on how many rows share its combination, so rows that are one object
    (registry_rows() shares the row of cases alike) are worked on once, weighted by how many they are;
    the released rows keep their order, and rows alike stay one (read-only) object."""
    rows = list(rows)
    group_of = {}  # id(row) -> group; `rows` keeps every row alive, so no id is reused meanwhile
    groups, weight, of_row = [], [], []
    for r in rows:
        g = group_of.get(id(r))
        if g is None:
            g = group_of[id(r)] = len(groups)
            groups.append(dict(r))
            weight.append(0)
        weight[g] += 1
        of_row.append(g)
    blanked = defaultdict(int)
    # Each group's combination is computed once and again only when it is blanked: a combination of at
    # least k rows is never touched again (it only gains rows).
    keys = [qi_key(r) for r in groups]
    for qi in QUASI_IDENTIFIERS:
        counts = _weighted(keys, weight)
        rare = [g for g, key in enumerate(keys) if counts[key] < k]
        if not rare:
            break
        columns = EXPLOIT_COLUMNS + ["typeOfExploitConcatenated"] if qi == "exploitation" else [qi]
        for g in rare:
            r = groups[g]
            if any(r[c] != MISSING for c in columns):
                blanked[qi] += weight[g]
            for c in columns:
                r[c] = MISSING
            keys[g] = qi_key(r)
    counts = _weighted(keys, weight)
    keep = [counts[key] >= k for key in keys]
    kept = [groups[g] for g in of_row if keep[g]]
    return Release(rows=kept, k=k, cases=len(rows), left_out=len(rows) - len(kept), blanked=dict(blanked))


def _weighted(keys, weight):
    counts = Counter()
    for key, w in zip(keys, weight, strict=True):
        counts[key] += w
    return counts


def write_csv(release, fh):
    """The release as CSV; each distinct row object is formatted once. A value a spreadsheet would run as a
    formula (a CTDC code an administrator typed as `=…`) gets a leading apostrophe; -99 stays a number."""
    import io

    from nicat.core.spreadsheet import safe_cell

    lines = {}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    fh.write(buffer.getvalue())
    out = []
    for row in release.rows:
        line = lines.get(id(row))
        if line is None:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow({name: value if value == MISSING else safe_cell(value) for name, value in row.items()})
            line = lines[id(row)] = buffer.getvalue()
        out.append(line)
        if len(out) >= 10000:
            fh.write("".join(out))
            out.clear()
    fh.write("".join(out))
