"""Investigations, prosecutions and convictions by year and form of exploitation: distinct criminal cases,
small cells withheld for analysts (and what would recover them from the total), exact counts for the
supervisors who may see the investigation files, nothing for a supervisor who may not."""
import datetime

import pytest

from nicat.accounts.models import Role
from nicat.proceedings import services
from nicat.proceedings.demo import term
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


def _criminal_case(cast, number, opened_on, form="sexual_exploitation", court_on=None, verdict=None, case=None):
    case = case or cast.open_case(actor=cast.officer, exploitation_forms=[term("exploitation", form)])
    cc = services.open_criminal_case(actor=cast.officer, case=case, data={
        "number": number, "articles": [term("criminal_article", "144-1")],
        "investigating_body": cast.main_department, "opened_on": opened_on})
    if court_on:
        services.change_stage(actor=cast.officer, criminal_case=cc, stage="in_court", changed_on=court_on,
                              expected_version=cc.version)
    if verdict:
        services.record_verdict(actor=cast.officer, criminal_case=cc, expected_version=cc.version, data={
            "verdict_on": verdict, "verdict_court": "Court", "verdict_outcome": "conviction",
            "sentence_summary": "6 years"})
    return cc


@pytest.fixture
def figures(cast):
    d = datetime.date
    for i in range(12):
        _criminal_case(cast, f"2025/{i}", d(2025, 2, 1), court_on=d(2025, 6, 1),
                       verdict=d(2025, 9, 1) if i < 11 else None)
    first = _criminal_case(cast, "2024/1", d(2024, 3, 1), form="forced_labour")
    # The same criminal case recorded on a second victim's case is counted once.
    _criminal_case(cast, " 2024/1 ", d(2024, 3, 1), form="forced_labour")
    _criminal_case(cast, "2024/2", d(2024, 4, 1), form="forced_labour")
    return first


def _measure(table, code):
    return next(m for m in table["measures"] if m["code"] == code)


def test_supervisor_of_law_enforcement_gets_exact_counts(cast, figures, api):
    sup = make_user("md.sup", cast.main_department, Role.SUPERVISOR)
    body = api(sup).get("/api/v1/statistics/proceedings/", {"by": "year"}).json()
    assert body["k"] is None
    inv = {c["year"]: c["count"] for c in _measure(body, "investigations")["cells"]}
    assert inv == {2024: 2, 2025: 12} and _measure(body, "investigations")["total"] == 14
    assert {c["year"]: c["count"] for c in _measure(body, "prosecutions")["cells"]} == {2025: 12}
    assert {c["year"]: c["count"] for c in _measure(body, "convictions")["cells"]} == {2025: 11}
    by_form = api(sup).get("/api/v1/statistics/proceedings/", {"by": "year,exploitation"}).json()
    cells = {(c["year"], c["exploitation"]): c["count"] for c in _measure(by_form, "investigations")["cells"]}
    assert cells == {(2024, "forced_labour"): 2, (2025, "sexual_exploitation"): 12}


def test_analyst_gets_small_cells_withheld(cast, figures, api, client):
    body = api(cast.analyst).get("/api/v1/statistics/proceedings/", {"by": "year"}).json()
    assert body["k"] == 11
    inv = {c["year"]: c["count"] for c in _measure(body, "investigations")["cells"]}
    assert inv[2024] is None
    # With the total published, the 2025 figure would give 2024 away: it is withheld too.
    assert _measure(body, "investigations")["total"] == 14 and inv[2025] is None
    assert {c["year"]: c["count"] for c in _measure(body, "prosecutions")["cells"]} == {2025: 12}
    # 11 convictions, the total itself is at k: shown.
    assert {c["year"]: c["count"] for c in _measure(body, "convictions")["cells"]} == {2025: 11}
    by_form = api(cast.analyst).get("/api/v1/statistics/proceedings/", {"by": "year,exploitation"}).json()
    cells = {(c["year"], c["exploitation"]): c["count"] for c in _measure(by_form, "investigations")["cells"]}
    assert cells == {(2024, "forced_labour"): None, (2025, "sexual_exploitation"): 12}
    from tests.support.world import verified_login

    verified_login(client, cast.analyst)
    page = client.get("/statistics/").content.decode()
    assert 'data-testid="proceedings-statistics"' in page and 'data-measure="convictions"' in page


def test_a_supervisor_who_may_not_see_investigations_counts_none(cast, figures, api):
    ngo_sup = make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)
    body = api(ngo_sup).get("/api/v1/statistics/proceedings/").json()
    assert all(m["total"] == 0 and m["cells"] == [] for m in body["measures"])


def test_other_roles_see_no_proceedings_statistics(cast, figures, api):
    assert api(cast.officer).get("/api/v1/statistics/proceedings/").status_code == 403
    assert api(cast.worker).get("/api/v1/statistics/proceedings/").status_code == 403
    assert api(cast.analyst).get("/api/v1/statistics/proceedings/", {"by": "gender"}).status_code == 400


def test_an_analyst_cannot_recover_a_withheld_year_by_asking_for_two_periods(cast, figures, api):
    """2024's two investigations are withheld (fewer than k), and 2025's twelve with them, since the total would
    give 2024 away. Asked for 2024–2025 the total is 14; asked for 2025 alone, the twelve were shown (the table of
    that period had nothing small in it): 14 − 12 = 2, the withheld year recovered exactly. What is withheld is now
    decided on the whole table, whatever the period asked: a period only chooses the years shown, and its total is
    shown only when none of its years is withheld."""
    def investigations(**period):
        body = api(cast.analyst).get("/api/v1/statistics/proceedings/", {"by": "year", **period}).json()
        measure = _measure(body, "investigations")
        return {c["year"]: c["count"] for c in measure["cells"]}, measure["total"]

    both, both_total = investigations(year_from=2024, year_to=2025)
    alone, alone_total = investigations(year_from=2025, year_to=2025)
    first, first_total = investigations(year_from=2024, year_to=2024)
    assert both == {2024: None, 2025: None} and both_total == 14
    assert alone == {2025: None} and alone_total is None
    assert first == {2024: None} and first_total is None
    # what is shown of any period is the same as of the whole table
    assert investigations() == ({2024: None, 2025: None}, 14)
    # a period whose years are all shown keeps its total: prosecutions and convictions of 2025
    body = api(cast.analyst).get("/api/v1/statistics/proceedings/",
                                 {"by": "year", "year_from": 2025, "year_to": 2025}).json()
    assert _measure(body, "prosecutions")["total"] == 12 and _measure(body, "convictions")["total"] == 11
