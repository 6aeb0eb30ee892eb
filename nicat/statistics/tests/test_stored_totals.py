"""The analysts' figures come from stored totals (nicat/statistics/totals.py): exactly what counting the
cases gives at the recount — for every dimension, every pair, and a period — stale (and saying so) until
the next recount, and suppressed (and perturbed) by the same rules."""
import datetime
from itertools import combinations

import pytest

from nicat.statistics import totals
from nicat.statistics.dimensions import DIMENSIONS
from nicat.statistics.selectors import case_table, grouped_counts_and_sums
from tests.support.world import term

UTC = datetime.UTC


def _at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def _world(cast):
    forms = ["sexual_exploitation", "forced_labour"]
    for i in range(14):
        # 31 Dec 2024 21:30 UTC is 1 Jan 2025 in Baku: the day and year of a case are Baku's.
        at = _at(2024, 12, 31, 21, 30) if i < 3 else _at(2023 + i % 3, 1 + i % 12, 1 + i % 27, 12)
        case = cast.open_case(first_contact_at=at, came_to_notice="self_referral" if i % 2 else "other")
        case.exploitation_forms.add(term("exploitation", forms[i % 2]))
        if i % 4 == 0:
            case.exploitation_forms.add(term("exploitation", forms[(i + 1) % 2]))  # a case with two forms
        case.countries_of_exploitation.add(term("country", "TR" if i % 3 else "RU"))
        person = case.person
        person.gender = term("gender", "feminine" if i % 3 else "masculine") if i != 5 else None
        person.save()
        person.citizenships.add(term("country", "AZ"))
        if i % 5 == 0:
            person.citizenships.add(term("country", "GE"))
    return cast


def _live(dims, date_from=None, date_to=None):
    from nicat.cases.models import Case

    qs = Case.objects.system()
    if date_from:
        qs = qs.filter(first_contact_at__gte=datetime.datetime.combine(date_from, datetime.time.min,
                                                                       tzinfo=totals.BAKU))
    if date_to:
        qs = qs.filter(first_contact_at__lt=datetime.datetime.combine(date_to + datetime.timedelta(days=1),
                                                                      datetime.time.min, tzinfo=totals.BAKU))
    counts, sums = grouped_counts_and_sums(qs, dims)
    return counts, sums, qs.count(), sum(qs.values_list("pk", flat=True))


def _every_choice():
    codes = list(DIMENSIONS)
    return [(c,) for c in codes] + list(combinations(codes, 2)) + [("gender", "year"), ("exploitation", "year")]


def _assert_stored_equals_live():
    periods = [(None, None), (datetime.date(2025, 1, 1), None), (datetime.date(2023, 3, 1), datetime.date(2024, 12, 31))]
    for by in _every_choice():
        dims = [DIMENSIONS[c] for c in by]
        for date_from, date_to in periods:
            counts, sums, total, total_sum, _recount = totals.stored_figures(dims, date_from, date_to)
            live_counts, live_sums, live_total, live_total_sum = _live(dims, date_from, date_to)
            assert counts == live_counts, (by, date_from, date_to)
            assert total == live_total, (by, date_from, date_to)
            # The sums of the case ids (the perturbation's cell keys) add up over days as the counts do.
            assert sums == live_sums and total_sum == live_total_sum, (by, date_from, date_to)


@pytest.mark.django_db
def test_stored_totals_equal_a_live_count_before_and_after_changes(cast):
    from nicat.cases.models import Case

    _world(cast)
    totals.refresh()
    _assert_stored_equals_live()
    # Changes: a new case, a gender changed, a form removed, a citizenship added, a case moved to another year.
    cast.open_case(first_contact_at=_at(2025, 6, 1, 9))
    case = Case.objects.system().order_by("pk").first()
    case.person.gender = term("gender", "masculine")
    case.person.save()
    case.person.citizenships.add(term("country", "RU"))
    case.exploitation_forms.remove(term("exploitation", "sexual_exploitation"))
    Case.objects.system().filter(pk=case.pk).update(first_contact_at=_at(2023, 7, 7, 7))
    live = _live([DIMENSIONS["year"], DIMENSIONS["gender"]])[0]
    stored = totals.stored_figures([DIMENSIONS["year"], DIMENSIONS["gender"]])[0]
    assert stored != live  # until the recount, the stored totals are those of the last one …
    totals.refresh()
    _assert_stored_equals_live()  # … and after it, exactly the live count again


@pytest.mark.django_db
def test_the_analyst_gets_the_same_suppressed_table_from_stored_totals_and_is_told_when_they_were_counted(cast, client):
    _world(cast)
    for _ in range(12):
        cast.open_case(first_contact_at=_at(2025, 2, 2, 10))
    by_choices = [["year", "gender"], ["exploitation", "gender"], ["year", "exploitation"], ["citizenship"]]
    live = {tuple(by): case_table(user=cast.analyst, by=by) for by in by_choices}  # never recounted: live
    assert all(t["as_of"] is None for t in live.values())
    totals.refresh()
    for by in by_choices:
        stored = case_table(user=cast.analyst, by=by)
        assert stored["as_of"] is not None
        assert stored["withheld"], by  # this world has small cells, and they stay withheld
        # The same figures, perturbed alike (the same cases make the same cell keys).
        assert stored["perturbed"] and {**stored, "as_of": None} == live[tuple(by)], by
    client.force_login(cast.analyst)
    page = client.get("/statistics/", {"by": "year", "then": "gender"}).content.decode()
    assert 'data-testid="statistics-as-of"' in page
    # Supervisors see exact counts of their scope, always live.
    from nicat.accounts.models import Role
    from tests.support.world import make_user

    supervisor = make_user("sup", cast.ngo, Role.SUPERVISOR)
    cast.open_case(first_contact_at=_at(2025, 3, 3, 10))
    assert case_table(user=supervisor, by=["year"])["as_of"] is None
    assert case_table(user=supervisor, by=["year"])["total"] == 27


@pytest.mark.django_db
def test_the_recount_is_a_periodic_job_of_the_worker():
    from nicat.core.jobs import periodic_jobs

    job = periodic_jobs()["statistics.case_counts"]
    assert job.resolve() is totals.refresh and job.every == totals.TOTALS_EVERY
