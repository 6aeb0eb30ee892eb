"""Counts of Nicat's own cases: analysts see aggregates with small cells withheld, supervisors exact
counts of what they may see, and everybody else nothing. The tests of the analysts' counting and
suppression run without the perturbation (the `unperturbed` fixture: its table replaced by zeros), so
they can name the true counts; what the noise does is tested in test_differencing.py."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.statistics.selectors import StatisticsNotAllowed, case_table
from tests.support.world import make_user, term


def _open(cast, n, gender, year=2025, exploitation="sexual_exploitation"):
    for i in range(n):
        case = cast.open_case(first_contact_at=timezone.make_aware(datetime.datetime(year, 3, 1 + i % 27, 12)))
        case.exploitation_forms.add(term("exploitation", exploitation)) if exploitation else None
        person = case.person
        person.gender = term("gender", gender)
        person.save()


@pytest.fixture
def world(cast):
    _open(cast, 30, "feminine", 2025)
    _open(cast, 3, "masculine", 2025)  # a small cell
    _open(cast, 14, "masculine", 2024, exploitation="forced_labour")
    _open(cast, 20, "feminine", 2024, exploitation="forced_labour")
    _open(cast, 25, "feminine", 2023, exploitation=None)
    _open(cast, 15, "masculine", 2023, exploitation=None)
    return cast


@pytest.mark.django_db
def test_the_analyst_sees_totals_but_never_a_small_cell_or_what_recovers_it(world, unperturbed):
    """The suppression on the true counts (without the perturbation)."""
    table = case_table(user=world.analyst, by=["year", "gender"])
    assert table["k"] == 11
    assert table["counts"][(2025, "masculine")] == 3 and (2025, "masculine") in table["withheld"]
    # 3 = row total 33 - 30: the female cell of 2025 must go too, and the totals stay consistent.
    assert (2025, "feminine") in table["withheld"]
    assert table["total"] == 107
    # The year 2023 is safe and stays visible.
    assert (2023, "feminine") not in table["withheld"] and (2023, "masculine") not in table["withheld"]
    from nicat.statistics.suppression import determined
    assert not determined(table["counts"], table["withheld"], table["hidden_row_totals"],
                          table["hidden_column_totals"])


@pytest.mark.django_db
def test_the_supervisor_sees_exact_counts_of_the_cases_in_scope(world):
    supervisor = make_user("sup", world.ngo, Role.SUPERVISOR)
    table = case_table(user=supervisor, by=["year", "gender"])
    assert table["k"] is None and not table["withheld"]
    assert table["counts"] == {(2025, "feminine"): 30, (2025, "masculine"): 3, (2024, "masculine"): 14,
                               (2024, "feminine"): 20, (2023, "feminine"): 25, (2023, "masculine"): 15}
    other = make_user("sup2", world.main_department, Role.SUPERVISOR)  # sees none of the NGO's cases
    assert case_table(user=other, by=["year"])["total"] == 0


@pytest.mark.django_db
def test_case_workers_get_no_statistics_and_the_page_refuses_them(world, client):
    with pytest.raises(StatisticsNotAllowed):
        case_table(user=world.worker, by=["year"])
    client.force_login(world.worker)
    assert client.get(reverse("statistics:cases")).status_code == 403


@pytest.mark.django_db
def test_the_analysts_page_shows_figures_withheld_and_no_case(world, client, unperturbed):
    """Which figures the page withholds, named by their true counts (without the perturbation)."""
    client.force_login(world.analyst)
    response = client.get(reverse("statistics:cases"), {"by": "year", "then": "gender"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "withheld" in html and ">25<" in html and ">15<" in html
    assert ">3<" not in html and ">30<" not in html and ">33<" in html  # the 2025 total stays
    assert "NCT-" not in html  # no case reference, no name
    assert AuditEvent.objects.filter(action="statistics.view", actor_id=world.analyst.pk).exists()


@pytest.mark.django_db
def test_a_multi_valued_dimension_says_so_and_keeps_small_cells_withheld(world, unperturbed):
    """The counting of a multi-valued dimension (without the perturbation)."""
    table = case_table(user=world.analyst, by=["exploitation"])
    assert table["additive"] is False
    assert table["counts"][("sexual_exploitation",)] == 33 and not table["withheld"]
    assert table["counts"][("unknown",)] == 40  # cases with no form of exploitation recorded


@pytest.mark.django_db
def test_bad_choices_get_a_clear_message(world, client):
    client.force_login(world.analyst)
    html = client.get(reverse("statistics:cases"), {"by": "year", "then": "year", "date_from": "2025-02-01",
                                                     "date_to": "2025-01-01"}).content.decode()
    assert "Choose a different second dimension" in html and "The period ends before it starts" in html


@pytest.mark.django_db
def test_the_api_answers_the_same_table_with_withheld_cells_as_null(world, api, unperturbed):
    """The API's table, with the true counts (without the perturbation); it says that the analyst's figures
    are perturbed and the supervisor's are not."""
    answer = api(world.analyst).get("/api/v1/statistics/cases/", {"by": "year,gender"})
    assert answer.status_code == 200
    data = answer.json()
    cells = {tuple(c["values"]): c["count"] for c in data["cells"]}
    assert data["k"] == 11 and data["total"] == 107 and data["perturbed"] is True
    assert cells[("2025", "masculine")] is None and cells[("2023", "feminine")] == 25
    supervisor = make_user("sup3", world.ngo, Role.SUPERVISOR)
    answer = api(supervisor).get("/api/v1/statistics/cases/", {"by": "year,gender"}).json()
    exact = {tuple(c["values"]): c["count"] for c in answer["cells"]}
    assert exact[("2025", "masculine")] == 3 and answer["perturbed"] is False
    assert api(world.worker).get("/api/v1/statistics/cases/", {"by": "year"}).status_code == 403
    bad = api(world.analyst).get("/api/v1/statistics/cases/", {"by": "year,shoe_size"})
    assert bad.status_code == 400 and "shoe_size" not in bad.json()["by"][0] and "gender" in bad.json()["by"][0]


@pytest.mark.django_db
def test_a_published_dataset_stands_beside_nicats_figures(world, client):
    from nicat.statistics.services import import_ctdc

    rows = "gender,majorityStatus\n" + "Female,Adult\n" * 12 + "Male,Minor\n" * 3
    import_ctdc(actor=None, data=rows, dataset="ctdc-sample", source="CTDC sample")
    client.force_login(world.analyst)
    html = client.get(reverse("statistics:cases"), {"by": "year", "dataset": "ctdc-sample",
                                                    "dataset_by": "gender"}).content.decode()
    table = html[html.index('id="published-table"'):]
    table = table[:table.index("</table>")]
    assert "CTDC sample" in table and ">12<" in table and ">3<" not in table and "withheld" in table


@pytest.mark.django_db
def test_years_and_periods_follow_the_baku_calendar_at_the_turn_of_the_year(cast):
    """The year of first contact is found by comparing with each year's first instant in Baku (not by
    converting every row): a contact at 21:30 UTC on 31 December is already the next year in Baku
    (UTC+4); a decision's date is its own year; a period ends at its last day's Baku midnight."""
    from nicat.cases.models import Case

    supervisor = make_user("sup.y", cast.ngo, Role.SUPERVISOR)
    utc = datetime.timezone.utc
    moments = [datetime.datetime(2024, 12, 31, 19, 30, tzinfo=utc),  # 23:30 in Baku: 2024
               datetime.datetime(2024, 12, 31, 21, 30, tzinfo=utc),  # 01:30 on 1 January in Baku: 2025
               datetime.datetime(2021, 6, 1, 9, tzinfo=utc)]
    cases = [cast.open_case(first_contact_at=m) for m in moments]
    Case.objects.system().filter(pk=cases[0].pk).update(status_decided_on=datetime.date(2025, 1, 1))
    Case.objects.system().filter(pk=cases[1].pk).update(status_decided_on=datetime.date(2024, 12, 31))
    assert case_table(user=supervisor, by=["year"])["counts"] == {(2021,): 1, (2024,): 1, (2025,): 1}
    assert case_table(user=supervisor, by=["recognition_year"])["counts"] == {
        (2024,): 1, (2025,): 1, ("unknown",): 1}
    within = case_table(user=supervisor, by=["year"], date_from=datetime.date(2024, 12, 31),
                        date_to=datetime.date(2024, 12, 31))
    assert within["counts"] == {(2024,): 1} and within["total"] == 1
