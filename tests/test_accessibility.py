"""Pages pass the axe-core accessibility rules (labels, contrast, landmarks, keyboard names) at
1366×768, and every control can be reached with the keyboard.

axe-core (MPL-2.0, vendored under tests/vendor/) runs inside the page; serious and critical
violations fail the test.
"""
from pathlib import Path

import pytest

from nicat.accounts.tests.helpers import complete_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()


@pytest.fixture
def page(browser):
    """axe-core is injected into the page, which the Content-Security-Policy rightly forbids:
    this context alone bypasses CSP (other browser tests run under it)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def violations(page):
    page.add_script_tag(content=AXE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return result


def test_sign_in_page(page, live_server, db):
    page.goto(f"{live_server.url}/login/")
    assert violations(page) == []


def test_case_pages(page, live_server, cast):
    case = cast.open_case()
    complete_sign_in(page, live_server, cast.worker, "az")
    for path in ("/", "/cases/", "/cases/new/", f"/cases/{case.uuid}/", f"/cases/{case.uuid}/edit/",
                 f"/cases/{case.uuid}/person/"):
        page.goto(live_server.url + path)
        assert violations(page) == [], path


def test_keyboard_reaches_the_intake_form(page, live_server, cast):
    complete_sign_in(page, live_server, cast.worker, "en")
    page.goto(f"{live_server.url}/cases/new/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_person-family_name":
            break
    else:
        pytest.fail("the first field of the intake form cannot be reached with Tab")


def test_erasure_and_correction_pages(page, live_server, cast):
    """The form recording a person's request to erase or correct, the request and its decision (issue 18)."""
    import datetime

    from nicat.accounts.models import Role
    from nicat.retention.services import record_request
    from tests.support.world import make_user

    case = cast.open_case()
    request = record_request(actor=cast.worker, case=case, kind="correction", requested_on=datetime.date(2026, 1, 5),
                             details="Spelling of the family name", corrections={"family_name": "Məmmədli"})
    supervisor = make_user("supervisor", cast.ngo, Role.SUPERVISOR)
    complete_sign_in(page, live_server, supervisor, "az")
    for path in (f"/retention/cases/{case.uuid}/requests/new/", f"/retention/requests/{request.uuid}/",
                 f"/cases/{case.uuid}/"):
        page.goto(live_server.url + path)
        assert violations(page) == [], path
    page.goto(f"{live_server.url}/retention/requests/{request.uuid}/")
    page.screenshot(path="/tmp/ret-request.png", full_page=True)
