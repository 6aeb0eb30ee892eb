"""A referral from an NGO to the state shelter, in a real browser: the NGO worker records the person's
consent and sends the referral; the shelter sees it in its queue, accepts it, and then sees the case —
limited to the shared sections. Then the person withdraws consent and the shelter loses the case."""
import re
from pathlib import Path

import pytest

from tests.support.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UUID = r"[0-9a-f-]{36}"
AXE_FILES = sorted((Path(__file__).parent / "vendor").glob("axe-core-*/axe.min.js"))


def violations(page, within=None):
    """Serious and critical axe-core violations of the page, or of the part `within` (a CSS selector)."""
    page.add_script_tag(content=AXE_FILES[-1].read_text())
    return page.evaluate("""async (within) => {
        const r = await axe.run(within ? document.querySelector(within) : document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""", within)


def sign_in(page, live_server, user, language="en"):
    try:
        from nicat.accounts.tests.helpers import complete_sign_in
    except ImportError:  # before the two-factor work lands
        complete_sign_in = None
    page.context.clear_cookies()
    if complete_sign_in is not None:
        complete_sign_in(page, live_server, user, language)
        return
    page.context.add_cookies([{"name": "nicat_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=re.compile(rf"^{re.escape(live_server.url)}/$")):
        page.click("main button[type=submit]")


def test_ngo_refers_to_the_shelter_which_accepts(page, live_server, cast):
    from tests.support.referrals import build_world

    world = build_world(cast)
    case = world.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova"})

    # The NGO worker records the person's written consent to a referral to the shelter.
    sign_in(page, live_server, world.worker)
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    page.locator(f"a[href='/consent/case/{case.uuid}/new/']").click()
    page.select_option("#id_purpose", "referral")
    page.select_option("#id_institution", str(world.shelter.uuid))
    page.select_option("#id_method", "written")
    with page.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
        page.click("main form button[type=submit].btn-primary")
    assert page.locator("[data-testid=consent-table] tr[data-state=valid]").count() == 1

    # … and sends the referral.
    page.locator(f"a[href='/referrals/case/{case.uuid}/new/']").click()
    page.select_option("#id_to_institution", str(world.shelter.uuid))
    page.select_option("#id_purpose", "referral")
    page.select_option("#id_urgency", "urgent")
    assert page.locator("#id_shared_sections input[value=identity]").is_checked()
    page.fill("#id_message", "Needs a safe place tonight; speaks Russian.")
    with page.expect_navigation(url=re.compile(rf".*/referrals/{UUID}/$")):
        page.click("main form button[type=submit].btn-primary")
    assert page.locator("[data-testid=referral-status]").first.get_attribute("data-status") == "pending"
    referral_url = page.url

    # The shelter: a notification, the referral in its queue, no access to the case yet.
    sign_in(page, live_server, world.shelter_staff)
    assert page.locator("[data-testid=unread-count]").inner_text() == "1"
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    assert "Aysel" not in page.content()
    page.locator("#nav-cases").click()  # the menu's "Cases" group
    page.locator("[data-testid=nav-referrals]").click()
    with page.expect_navigation(url=referral_url):
        page.get_by_role("link", name=case.reference).click()
    assert "Needs a safe place tonight" in page.locator("[data-testid=referral-message]").inner_text()
    with page.expect_navigation(url=referral_url):
        page.locator("[data-testid=accept]").click()
    assert page.locator("[data-testid=referral-status]").first.get_attribute("data-status") == "accepted"

    # Now the case is open to the shelter, limited to what was shared.
    with page.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
        page.locator("[data-testid=open-case]").click()
    assert page.locator("h1 .case-ref").inner_text() == case.reference
    assert page.locator("[data-testid=shared-sections]").is_visible()

    # The person withdraws consent (recorded by the NGO): the shelter loses the case at once.
    sign_in(page, live_server, world.worker)
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    page.locator("[data-testid=consent-table] a.btn-outline-danger").click()
    with page.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
        page.click("main form button[type=submit].btn-danger")
    sign_in(page, live_server, world.shelter_staff)
    response = page.goto(f"{live_server.url}/cases/{case.uuid}/")
    assert response.status == 404


def test_referral_consent_and_directory_pages_are_accessible(browser, live_server, cast):
    """axe-core (serious and critical rules) on every page of the referral mechanism."""
    if not AXE_FILES:
        pytest.skip("axe-core is not vendored under tests/vendor/")
    # The pages forbid inline scripts (CSP); the test context lets axe in without weakening the pages.
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    from nicat.consent.models import Purpose
    from nicat.referrals import services
    from tests.support.referrals import build_world, consent, referral_data

    world = build_world(cast)
    case = world.open_case()
    c = consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    page.goto(f"{live_server.url}/directory/public/")
    assert violations(page) == [], "/directory/public/"
    sign_in(page, live_server, world.worker)
    page.goto(live_server.url + "/")  # the dashboard belongs to the web app: check the referral part of it
    assert violations(page, "[data-testid=work-list]") == [], "/ (the work list)"
    page.goto(f"{live_server.url}/cases/{case.uuid}/")  # the case page is the cases app's: check our panels
    assert violations(page, "#consent") == [] and violations(page, "#referrals") == [], "case panels"
    for path in ("/directory/", f"/directory/{world.shelter.uuid}/", f"/consent/case/{case.uuid}/new/",
                 f"/consent/{c.uuid}/withdraw/", f"/referrals/case/{case.uuid}/new/", "/referrals/?box=outgoing",
                 f"/referrals/{referral.uuid}/", "/referrals/notifications/"):
        page.goto(live_server.url + path)
        assert violations(page) == [], path
    sign_in(page, live_server, world.shelter_staff)
    for path in ("/referrals/", f"/referrals/{referral.uuid}/"):
        page.goto(live_server.url + path)
        assert violations(page) == [], path
    context.close()
