"""The case worker's journey in a real browser (system Chromium), in each of the three languages.

Sign in → register a presumed victim → find the case in the list → open it → edit it → add a note
and a trafficking event. Labels are checked in the chosen language; data through stable ids.
"""
import re

import pytest

from nicat.accounts.tests.helpers import complete_sign_in  # signs in, with the 2FA step where enabled
from tests.support.world import term

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A visible word of each language, so that the test proves the page really is in that language.
HEADINGS = {"az": "Yeni iş", "ru": "Новое дело", "en": "New case"}
SAVED = {"az": "saxlanıldı", "ru": "сохранено", "en": "saved"}


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_case_worker_journey(page, live_server, cast, language):
    complete_sign_in(page, live_server, cast.worker, language)
    assert page.locator("html").get_attribute("lang") == language
    page.locator("#nav-cases").click()  # the menu's "Cases" group
    page.get_by_role("link", name=HEADINGS[language], exact=True).first.click()

    page.fill("#id_person-family_name", "Quliyeva")
    page.fill("#id_person-given_name", "Nərmin")
    page.fill("#id_person-aliases", "Нармин Гулиева")
    page.fill("#id_person-birth_date", "1998-02-14")
    page.check(f"#id_case-exploitation_forms input[value='{term('exploitation', 'sexual_exploitation').pk}']")
    page.check(f"#id_case-acts input[value='{term('act', 'recruitment').pk}']")
    page.select_option("#id_case-came_to_notice", "hotline")
    page.fill("#id_case-summary", "Recruited through a job advert.")
    with page.expect_navigation(url=re.compile(r".*/cases/[0-9a-f-]{36}/$")):
        page.click("form button[type=submit].btn-primary")
    reference = page.locator("h1 .case-ref").inner_text()
    assert re.fullmatch(r"NCT-\d{4}-\d{6}", reference)
    assert "Quliyeva Nərmin" in page.locator("[data-testid=person-name]").inner_text()

    # Find it in the list by reference and by form of exploitation.
    page.goto(f"{live_server.url}/cases/?reference={reference.rsplit('-', 1)[1]}")
    with page.expect_navigation(url=re.compile(r".*/cases/[0-9a-f-]{36}/$")):
        page.get_by_role("link", name=reference).click()

    # Edit: move to follow-up.
    page.locator("a[href$='/edit/']").click()
    page.select_option("#id_status", "FollowUp")
    with page.expect_navigation(url=re.compile(r".*/cases/[0-9a-f-]{36}/$")):
        page.click("form button[type=submit].btn-primary")
    assert SAVED[language] in page.locator(".alert").first.inner_text().lower()

    # A note through HTMX (no page reload) and a trafficking event.
    page.fill("#id_text", "Interview planned with an interpreter.")
    page.locator("#notes button[type=submit]").click()
    page.locator("#notes .note-text", has_text="Interview planned").wait_for()
    page.locator("details summary").first.click()
    page.select_option("#id_event-kind", "Exploitation")
    page.select_option("#id_event-country", str(term("country", "AE").pk))
    page.fill("#id_event-place", "Dubai")
    page.fill("#id_event-date_from", "2025-05-01")
    with page.expect_navigation(url=re.compile(r".*/cases/[0-9a-f-]{36}/$")):
        page.locator("form[action$='/events/'] button[type=submit]").click()
    assert "Dubai" in page.locator("#route-heading + div table").inner_text()


def test_bad_intake_shows_what_to_fix(page, live_server, cast):
    complete_sign_in(page, live_server, cast.worker, "en")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_person-email", "not-an-email")
    with page.expect_navigation():  # the form comes back
        page.click("form button[type=submit].btn-primary")
    assert page.locator(".alert-danger").first.is_visible()
    assert page.locator("#id_person-given_name_error").is_visible()  # no name at all
    assert page.locator("#id_person-email_error").is_visible()


def test_phone_width_has_a_usable_menu(browser, live_server, cast):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    complete_sign_in(page, live_server, cast.worker, "en")
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    # each step waits for Bootstrap's transition to end: a click while the menu still slides open can land
    # on nothing (seen once in CI under load: no request followed the click)
    page.locator("#mainnav.collapse.show").wait_for(state="visible")
    page.locator("#nav-cases").click()  # the menu's "Cases" group (issue 15: grouped, so it never wraps)
    page.locator('[data-nav-group="cases"] .dropdown-menu.show').wait_for(state="visible")
    with page.expect_navigation(url=re.compile(r".*/cases/$")):
        page.get_by_role("link", name="Cases", exact=True).click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page scrolls sideways on a phone"
    context.close()
