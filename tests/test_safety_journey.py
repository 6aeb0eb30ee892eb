"""In the browser, in each language: a case worker records a high-risk assessment and sees the level on
the case header; contact with the family is refused with a link to the safety plan; she writes the plan,
the supervisor of her NGO confirms it, and then the contact with the family is recorded."""
import datetime
import re

import pytest
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.world import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ")
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_high_risk_blocks_family_contact_until_the_supervisor_confirms_the_plan(browser, live_server, cast,
                                                                                  language):
    from nicat.consent.services import record_consent

    supervisor = make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)
    case = cast.open_case()
    record_consent(actor=cast.worker, case=case, data={
        "purpose": "family_contact", "decision": "given", "method": "written",
        "given_at": timezone.now() - datetime.timedelta(minutes=5)})
    review = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    today = timezone.localdate().isoformat()

    context, page = _context(browser)
    try:
        complete_sign_in(page, live_server, cast.worker, language)
        page.goto(f"{live_server.url}/cases/{case.uuid}/")
        badge = page.locator("[data-testid=safety-level]")
        assert "text-bg-secondary" in badge.get_attribute("class")  # not assessed yet
        with page.expect_navigation(url=re.compile(rf".*/safety/case/{case.uuid}/$")):
            badge.click()
        page.locator("[data-testid=assessment-form]").locator("xpath=..").locator("summary").click()
        page.select_option("#id_occasion", "family_contact")
        page.check("input[name=factors][value=traffickers]")
        page.check("input[name=factors][value=family_involvement]")
        page.check("input[name=level][value=high]")
        page.fill("#id_reasons", "The recruiter is her uncle and visits the family.")
        page.fill("#id_review_on", review)
        with page.expect_navigation(url=re.compile(rf".*/safety/case/{case.uuid}/$")):
            page.locator("[data-testid=assessment-form] button[type=submit]").click()

        # The level is on the case header.
        page.goto(f"{live_server.url}/cases/{case.uuid}/")
        assert "text-bg-danger" in page.locator("[data-testid=safety-level]").get_attribute("class")

        # Contact with the family is refused, with a link to the safety plan.
        page.goto(f"{live_server.url}/safety/case/{case.uuid}/")
        page.fill("#id_contacted_on", today)
        page.locator("[data-testid=contact-form] button[type=submit]").click()
        blocked = page.locator("[data-testid=safety-blocked]")
        blocked.wait_for()
        assert case.owner_institution.name in blocked.inner_text()
        with page.expect_navigation(url=re.compile(r".*#safety-plan$")):
            blocked.locator("a").click()
        page.fill("#id_safety_plan", "She meets her mother only at the shelter, with an escort.")
        with page.expect_navigation(url=re.compile(r".*#safety-plan$")):
            page.locator("[data-testid=safety-plan] form button[type=submit]").click()
        # She cannot confirm her own plan: there is no button for her.
        assert page.locator("form[action$='/confirm/']").count() == 0
    finally:
        context.close()

    context, page = _context(browser)
    try:
        complete_sign_in(page, live_server, supervisor, language)
        page.goto(f"{live_server.url}/safety/case/{case.uuid}/")
        page.locator("form[action$='/confirm/'] button").click()
        page.locator("[data-testid=plan-confirmed]").wait_for()
    finally:
        context.close()

    context, page = _context(browser)
    try:
        complete_sign_in(page, live_server, cast.worker, language)
        page.goto(f"{live_server.url}/safety/case/{case.uuid}/")
        page.fill("#id_contacted_on", today)
        with page.expect_navigation(url=re.compile(r".*#family-contact$")):
            page.locator("[data-testid=contact-form] button[type=submit]").click()
        assert page.locator("[data-testid=safety-blocked]").count() == 0
        assert page.locator("#family-contact li").count() == 1
        assert page.locator("#family-contact li.text-muted").count() == 0
    finally:
        context.close()
