"""Reading a published CTDC file (Counter Trafficking Data Collaborative): the checks every row
passes before anything is written.

CTDC files are CSV with a header row; an empty cell is "unknown", -99 is CTDC's own code for
"missing" (data dictionary 2018) and counts as unknown too; multi-valued cells are joined with ';'.
"""
import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from nicat.core.validators import single_line

UNKNOWN = "unknown"
MISSING_CODES = {"", "-99"}
# Columns of the published CTDC files (global victim dataset 2018 and the victim–perpetrator file).
YEAR_COLUMNS = {"yearRegister", "yearOfRegistration"}
FLAG_PREFIXES = ("is", "meansOfControl", "typeOfLabour", "typeOfSex", "recruiterRelation")
FLAG_COLUMNS = {"IP_Exploiter", "IP_RecruiterBroker", "IP_TransactionProcess", "IP_ControlAbuseKidnap"}
KNOWN_COLUMNS = YEAR_COLUMNS | {
    "Datasource", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit", "majorityEntry", "citizenship",
    "CountryOfExploitation", "RecruiterRelationship", "UN_COO_Region", "UN_COE_Region", "IP_Exploiter", "IP_Gender",
    "IP_ageBroad", "IP_citizen_UNRegion", "IP_Relation", "IP_PayMoney", "IP_RecruiterBroker", "IP_TransactionProcess",
    "IP_ControlAbuseKidnap"}
_YEAR = re.compile(r"^(19[5-9]\d|20\d\d)(-(19[5-9]\d|20\d\d))?$")
MAX_PROBLEMS = 50


@dataclass
class Problem:
    line: int  # line of the file (the header is line 1)
    column: str
    message: str

    def __str__(self):
        where = _("line %(line)d") % {"line": self.line}
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}"


@dataclass
class Parsed:
    columns: list
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)


def is_ctdc_column(name):
    return name in KNOWN_COLUMNS or _is_flag(name) or name.endswith("Concatenated")


def parse(data):
    """Parses CTDC CSV text (str or bytes) into rows of normalised values; nothing is written."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return Parsed(columns=[], problems=[Problem(1, "", _("The file is not UTF-8 text."))])
    if "\x00" in data:
        return Parsed(columns=[], problems=[Problem(1, "", _("The file is not a CSV text file."))])
    reader = csv.reader(io.StringIO(data, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return Parsed(columns=[], problems=[Problem(1, "", _("The file is empty: a header row is expected."))])
    except csv.Error:  # the csv module's message is English; the row says where
        return Parsed(columns=[], problems=[Problem(1, "", _("The header is not valid CSV."))])
    columns = [name.strip() for name in header]
    parsed = Parsed(columns=columns)
    problems = parsed.problems
    if any(not name for name in columns):
        problems.append(Problem(1, "", _("Every column needs a name in the header row.")))
    dupes = sorted({name for name in columns if name and columns.count(name) > 1})
    if dupes:
        problems.append(Problem(1, ", ".join(dupes), _("A column name appears twice.")))
    if not any(is_ctdc_column(name) for name in columns):
        problems.append(Problem(1, "", _("No CTDC column in the header (for example yearOfRegistration, gender, "
                                          "majorityStatus): is this a CTDC file?")))
    if problems:
        return parsed
    try:
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) != len(columns):
                _add(problems, Problem(line, "", _("%(found)d values where the header has %(expected)d columns.")
                                       % {"found": len(row), "expected": len(columns)}))
                continue
            values = []
            for name, raw in zip(columns, row, strict=True):
                value = raw.strip()
                problem = _check(name, value)
                if problem:
                    _add(problems, Problem(line, name, problem))
                values.append(UNKNOWN if value in MISSING_CODES else value)
            parsed.rows.append(values)
    except csv.Error:  # the csv module's message is English; the row says where
        _add(problems, Problem(reader.line_num, "", _("Not valid CSV.")))
    if not parsed.rows and not problems:
        problems.append(Problem(2, "", _("The file has a header but no rows.")))
    return parsed


def _add(problems, problem):
    if len(problems) < MAX_PROBLEMS:
        problems.append(problem)


def _check(name, value):
    if value in MISSING_CODES:
        return ""
    if len(value) > 500:
        return _("The value is longer than 500 characters.")
    try:
        single_line(value)  # the project's one rule for text (nicat.core.validators)
    except ValidationError as error:
        return " ".join(error.messages)
    if name in YEAR_COLUMNS and not _YEAR.match(value):
        return _("Expected a year such as 2019 or a range such as 2014-2018, found %(value)s.") % {"value": value[:20]}
    if _is_flag(name) and not name.endswith("Concatenated") and value not in {"0", "1"}:
        return _("Expected 0, 1 or empty (unknown), found %(value)s.") % {"value": value[:20]}
    return ""


def _is_flag(name):
    if name in FLAG_COLUMNS:
        return True
    return any(name.startswith(p) and len(name) > len(p) and name[len(p)].isupper() for p in FLAG_PREFIXES)
