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
from zoneinfo import ZoneInfo

from nicat.statistics.suppression import DEFAULT_K

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


def qi_key(row):
    """The combination of quasi-identifying values of a release row."""
    return tuple(row[c] for c in QUASI_IDENTIFIERS if c != "exploitation") + tuple(row[c] for c in EXPLOIT_COLUMNS) \
        + (row["typeOfExploitConcatenated"],)


def _band(age):
    if age is None:
        return MISSING
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def _majority(age):
    return MISSING if age is None else ("Minor" if age < 18 else "Adult")


def case_rows(cases):
    """Release rows (before anonymisation) of an iterable of cases with person, terms and events loaded."""
    for case in cases:
        person = case.person
        contact = case.first_contact_at.astimezone(BAKU).date()
        age = person.age_on(contact)
        exploit_dates = [e.date_from for e in case.events.all() if e.kind == "exploitation" and e.date_from]
        age_at_exploit = person.age_on(min(exploit_dates)) if exploit_dates else None
        means = {t.ctdc_code for t in case.means.all() if t.ctdc_code}
        forms = list(case.exploitation_forms.all())
        exploit_codes = {t.ctdc_code for t in forms if t.ctdc_code}
        row = {
            "yearOfRegistration": str(contact.year), "Datasource": "Case Management",
            "gender": (person.gender.ctdc_code or MISSING) if person.gender_id else MISSING,
            "ageBroad": _band(age), "majorityStatus": _majority(age),
            "majorityStatusAtExploit": _majority(age_at_exploit),
            "citizenship": ";".join(sorted((t.ctdc_code or t.code) for t in person.citizenships.all())) or MISSING,
        }
        for column in MEANS_COLUMNS:
            row[column] = ("1" if column in means else "0") if case.means.all() else MISSING
        for column in EXPLOIT_COLUMNS:
            row[column] = ("1" if column in exploit_codes else "0") if forms else MISSING
        if forms and "isSexualExploit" in exploit_codes and "isForcedLabour" in exploit_codes:
            row["isSexAndLabour"] = "1"
        row["typeOfExploitConcatenated"] = ";".join(sorted(str(t.label_en) for t in forms)) or MISSING
        row["CountryOfExploitation"] = ";".join(sorted((t.ctdc_code or t.code)
                                                       for t in case.countries_of_exploitation.all())) or MISSING
        yield row


def anonymise(rows, k=DEFAULT_K):
    """Makes every quasi-identifier combination occur at least k times; returns a Release."""
    rows = [dict(r) for r in rows]
    blanked = defaultdict(int)
    for qi in QUASI_IDENTIFIERS:
        counts = Counter(qi_key(r) for r in rows)
        rare = [r for r in rows if counts[qi_key(r)] < k]
        if not rare:
            break
        columns = EXPLOIT_COLUMNS + ["typeOfExploitConcatenated"] if qi == "exploitation" else [qi]
        for r in rare:
            if any(r[c] != MISSING for c in columns):
                blanked[qi] += 1
            for c in columns:
                r[c] = MISSING
    counts = Counter(qi_key(r) for r in rows)
    kept = [r for r in rows if counts[qi_key(r)] >= k]
    return Release(rows=kept, k=k, cases=len(rows), left_out=len(rows) - len(kept), blanked=dict(blanked))


def write_csv(release, fh):
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in release.rows:
        writer.writerow(row)
