"""A wrong allowance payment corrected in a real browser (system Chromium): the case worker recorded the one-time
allowance with the wrong date; the supervisor of her NGO opens the case's assistance page, clicks "Reverse", gives
the reason, and the row stays, marked reversed; the case worker then records the correct payment, which the
"paid once" rule no longer blocks. The case worker is offered no "Reverse"."""
import datetime
import re

import pytest

from nicat.accounts.models import Role
from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.browser import submit_assistance_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_PAGE = re.compile(r".*/assistance/cases/[0-9a-f-]{36}/(#\w+)?$")


@pytest.mark.parametrize("language", ["az", "en"])
def test_a_supervisor_reverses_a_wrong_payment_and_the_correct_one_is_recorded(browser, live_server, cast, language):
    from nicat.assistance import services
    from nicat.assistance.models import AllowancePayment
    from tests.support.world import ShelterWorld, make_user

    world = ShelterWorld(cast)
    case = world.recognise(world.adult())
    services.pay_allowance(actor=cast.worker, case=case, kind="one_time", paid_on=datetime.date(2024, 3, 1),
                           source="state_budget")
    supervisor = make_user("journey.supervisor", cast.ngo, Role.SUPERVISOR)
    contexts = [browser.new_context(viewport={"width": 1366, "height": 900}) for _ in range(2)]
    boss, worker = (c.new_page() for c in contexts)
    url = f"{live_server.url}/assistance/cases/{case.uuid}/"
    try:
        complete_sign_in(worker, live_server, cast.worker, language)
        worker.goto(url)
        assert worker.locator("[data-testid=allowance-reverse]").count() == 0
        complete_sign_in(boss, live_server, supervisor, language)
        boss.goto(url)
        boss.locator("[data-testid=allowance-reverse]").click()
        with boss.expect_navigation():  # no reason: told at the field
            submit_assistance_form(boss)
        assert boss.locator("#id_reason_error").is_visible()
        boss.fill("#id_reason", "Entered with the wrong date; the order was paid on 2 March")
        with boss.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(boss)
        assert boss.locator("[data-testid=payment-reversed]").count() == 1
        assert boss.locator("[data-testid=allowance-reverse]").count() == 0
        worker.goto(url)
        worker.locator("[data-testid=allowance-add]").click()
        worker.select_option("#id_kind", "one_time")
        worker.fill("#id_paid_on", "2024-03-02")
        worker.select_option("#id_source", "state_budget")
        with worker.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(worker)
        assert worker.locator("[data-testid=payments] tbody tr").count() == 2
        assert worker.locator("[data-testid=payment-reversed]").count() == 1
    finally:
        for c in contexts:
            c.close()
    assert sorted(AllowancePayment.objects.system().filter(person=case.person).values_list("status", flat=True)) \
        == ["paid", "reversed"]
