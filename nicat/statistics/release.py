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


_QI_COLUMNS = [c for c in QUASI_IDENTIFIERS if c != "exploitation"] + EXPLOIT_COLUMNS + ["typeOfExploitConcatenated"]
_qi_values = itemgetter(*_QI_COLUMNS)


def qi_key(row):
    """The combination of quasi-identifying values of a release row."""
    return _qi_values(row)


def _band(age):
    if age is None:
        return MISSING
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _majority(age):
    return MISSING if age is None else ("Minor" if age < 18 else "Adult")


def registry_rows(batch=5000):
    """Release rows (before anonymisation) of every case, read as plain values in a few queries per
    batch rather than as model instances: the whole registry is read by the system for an anonymised
    release, and no row of it leaves this module but as counts-safe CTDC values."""
    from collections import defaultdict
    from types import SimpleNamespace

    from nicat.cases.models import Case, EventKind, TraffickingEvent
    from nicat.persons.models import Person
    from nicat.vocab.models import Term

    terms = {t.pk: t for t in Term.objects.all()}
    case_ids = list(whole_table(Case).order_by("pk").values_list("pk", flat=True))
    # Batches by ranges of ids (an indexed range, and subqueries for the persons), not by lists of
    # thousands of ids: preparing such a list's parameters cost more than reading the rows.
    for start in range(0, len(case_ids), batch):
        low, high = case_ids[start], case_ids[min(start + batch, len(case_ids)) - 1]
        in_batch = {"pk__gte": low, "pk__lte": high}
        cases = list(whole_table(Case).filter(**in_batch).order_by("pk")
                     .values_list("pk", "person_id", "first_contact_at"))
        persons_of_batch = whole_table(Case).filter(**in_batch).values("person_id")
        persons = {row[0]: SimpleNamespace(birth_date=row[1], birth_date_is_estimate=row[2], estimated_age=row[3],
                                           age_recorded_on=row[4], created_at=row[5], gender=row[6])
                   for row in whole_table(Person).filter(pk__in=persons_of_batch).values_list(
                       "pk", "birth_date", "birth_date_is_estimate", "estimated_age", "age_recorded_on",
                       "created_at", "gender_id")}
        citizenships = _m2m(Person.citizenships.through, "person_id", {"person_id__in": persons_of_batch})
        case_range = {"case_id__gte": low, "case_id__lte": high}
        means = _m2m(Case.means.through, "case_id", case_range)
        forms = _m2m(Case.exploitation_forms.through, "case_id", case_range)
        exploitation_countries = _m2m(Case.countries_of_exploitation.through, "case_id", case_range)
        exploit_start = defaultdict(list)
        for case_id, day in (whole_table(TraffickingEvent).filter(kind=EventKind.EXPLOITATION,
                                                                      date_from__isnull=False, **case_range)
                             .values_list("case_id", "date_from")):
            exploit_start[case_id].append(day)
        for case_id, person_id, first_contact in cases:
            yield _row(first_contact, persons[person_id], terms, citizenships.get(person_id, ()),
                       means.get(case_id, ()), forms.get(case_id, ()), exploitation_countries.get(case_id, ()),
                       min(exploit_start[case_id]) if exploit_start.get(case_id) else None)


def _m2m(through, owner, where):
    out = defaultdict(list)
    for key, term_id in through.objects.filter(**where).values_list(owner, "term_id"):
        out[key].append(term_id)
    return out


def _row(first_contact, person, terms, citizenships, means_ids, form_ids, country_ids, exploit_day):
    from nicat.persons.age import years_on

    contact = first_contact.astimezone(BAKU).date()
    age = years_on(person, contact)[0]
    age_at_exploit = years_on(person, exploit_day)[0] if exploit_day else None
    means = {terms[i].ctdc_code for i in means_ids if terms[i].ctdc_code}
    forms = [terms[i] for i in form_ids]
    exploit_codes = {t.ctdc_code for t in forms if t.ctdc_code}
    gender = terms.get(person.gender) if person.gender else None
    row = {
        "yearOfRegistration": str(contact.year), "Datasource": "Case Management",
        "gender": (gender.ctdc_code or MISSING) if gender else MISSING,
        "ageBroad": _band(age), "majorityStatus": _majority(age),
        "majorityStatusAtExploit": _majority(age_at_exploit),
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
    """Makes every quasi-identifier combination occur at least k times; returns a Release."""
    rows = [dict(r) for r in rows]
    blanked = defaultdict(int)
    # Each row's combination is computed once and again only when the row is blanked: a row in a
    # combination of at least k rows is never touched again (its combination only gains rows).
    keys = [qi_key(r) for r in rows]
    for qi in QUASI_IDENTIFIERS:
        counts = Counter(keys)
        rare = [i for i, key in enumerate(keys) if counts[key] < k]
        if not rare:
            break
        columns = EXPLOIT_COLUMNS + ["typeOfExploitConcatenated"] if qi == "exploitation" else [qi]
        for i in rare:
            r = rows[i]
            if any(r[c] != MISSING for c in columns):
                blanked[qi] += 1
            for c in columns:
                r[c] = MISSING
            keys[i] = qi_key(r)
    counts = Counter(keys)
    kept = [r for r, key in zip(rows, keys, strict=True) if counts[key] >= k]
    return Release(rows=kept, k=k, cases=len(rows), left_out=len(rows) - len(kept), blanked=dict(blanked))


def write_csv(release, fh):
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in release.rows:
        writer.writerow(row)
