"""Hotline statistics: contacts counted by reason, channel, caller type, region, language and outcome, with
the prevention indicator (consultations on a job offer abroad) and the same small-cell suppression. The tests
of the analysts' counting and suppression run without the perturbation (the `unperturbed` fixture); its
effect is tested in test_differencing.py."""
import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.hotline.services import record_contact
from nicat.statistics.selectors import StatisticsNotAllowed, call_table
from tests.support.world import make_institution, make_user, term, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(cast):
    hotline = make_institution("hl", "hotline")
    operator = make_user("op", hotline, Role.HOTLINE_OPERATOR)
    supervisor = make_user("hl.sup", hotline, Role.SUPERVISOR)
    for reason, channel, n in [("job_offer_abroad", "call", 30), ("information", "call", 20),
                               ("information", "chat", 3), ("help", "email", 2)]:
        for _ in range(n):
            record_contact(actor=operator, data={"reason": reason, "channel": channel,
                                                 "region": term("region", "baku"), "language": term("language", "az")})
    return {"operator": operator, "supervisor": supervisor}


def test_analysts_get_aggregates_with_small_cells_withheld(cast, calls, unperturbed):
    """The suppression on the true counts (without the perturbation)."""
    table = call_table(user=cast.analyst, by=["reason"])
    assert table["k"] == 11 and table["total"] == 55
    assert ("help",) in table["withheld"]  # 2 contacts
    # The total (55) and the two other rows would give the 2 away: a second row is withheld too.
    assert len(table["withheld"]) == 2
    shown = ("job_offer_abroad",) not in table["withheld"]
    assert table["job_offers"] == (30 if shown else None)
    two = call_table(user=cast.analyst, by=["reason", "channel"])
    assert ("information", "chat") in two["withheld"]


def test_the_prevention_indicator_is_withheld_when_small(cast):
    hotline = make_institution("hl2", "hotline")
    operator = make_user("op2", hotline, Role.HOTLINE_OPERATOR)
    for reason in ["job_offer_abroad"] * 2 + ["information"] * 20:
        record_contact(actor=operator, data={"reason": reason})
    assert call_table(user=cast.analyst, by=["channel"])["job_offers"] is None


def test_the_hotlines_supervisor_gets_exact_figures_operators_none(cast, calls):
    table = call_table(user=calls["supervisor"], by=["caller_type"])
    assert table["k"] is None and table["counts"][("anonymous",)] == 55
    for dim in ("reason", "channel", "caller_type", "region", "language", "outcome", "year"):
        assert call_table(user=calls["supervisor"], by=[dim])["total"] == 55
    with pytest.raises(StatisticsNotAllowed):
        call_table(user=calls["operator"], by=["reason"])
    with pytest.raises(StatisticsNotAllowed):
        call_table(user=cast.worker, by=["reason"])


def test_the_statistics_page_shows_the_hotline_with_suppression(cast, calls, client, unperturbed):
    """The page's suppression, named by the true total (without the perturbation)."""
    verified_login(client, cast.analyst)
    assert 'href="/statistics/calls/"' in client.get(reverse("statistics:cases")).content.decode()
    page = client.get(reverse("statistics:calls"), {"by": "reason"}).content.decode()
    assert "55" in page and "withheld" in page
    assert 'id="statistics-prevention"' in page
    verified_login(client, cast.worker)
    assert client.get(reverse("statistics:calls")).status_code == 403
