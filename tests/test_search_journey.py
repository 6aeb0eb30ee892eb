"""In the browser: a worker registering a person typed in another script is warned of the existing
case (own institution) or told only to contact the coordinator (another institution); staff find the
person by any spelling."""
import datetime

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.support.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=lambda url: "/login/" not in url):
        page.locator("form button[type=submit]").last.click()


def type_person(page, live_server, family, given, birth, phone=""):
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_person-family_name", family)
    page.fill("#id_person-given_name", given)
    page.fill("#id_person-birth_date", birth)
    if phone:
        page.fill("#id_person-phone", phone)
    page.locator("#id_person-patronymic").focus()  # leaving the field fires "change"


@pytest.fixture
def existing(cast):
    return cast.open_case(person={"given_name": "Aysel", "family_name": "Məmmədova",
                                  "birth_date": datetime.date(1995, 3, 4), "phone": "+994 50 123 45 67"})


def test_intake_warns_of_the_existing_case_across_spellings(page, live_server, cast, existing):
    sign_in(page, live_server, "worker")
    type_person(page, live_server, "Мамедова", "Айсель", "1995-03-04")
    warning = page.locator("[data-duplicate-candidates]")
    warning.wait_for()
    assert existing.reference in warning.inner_text()
    with page.expect_navigation(url=f"**/cases/{existing.uuid}/"):
        warning.get_by_role("link").first.click()


def test_intake_in_another_institution_names_only_the_coordinator(page, live_server, cast, existing):
    sign_in(page, live_server, "worker2")
    # other institutions' records are checked on a strong query only: name, birth date and a phone (issue 14)
    type_person(page, live_server, "Mamedova", "Aisel", "1995-03-04", phone="050 123 45 67")
    notice = page.locator("[data-known-elsewhere]")
    notice.wait_for()
    assert cast.main_department.name_az in notice.inner_text()
    content = page.content()
    for secret in (existing.reference, cast.ngo.name_az, "Məmmədova", str(existing.uuid)):
        assert secret not in content


def test_search_by_another_spelling(page, live_server, cast, existing):
    sign_in(page, live_server, "worker")
    page.goto(f"{live_server.url}/persons/")
    page.fill("#id_q", "Memmedova Aisel")
    page.locator("main form button[type=submit]").click()
    page.locator("#search-results").wait_for()
    assert existing.reference in page.locator("#search-results").inner_text()


def test_the_searched_name_stays_out_of_the_address_and_back_does_not_search_again(page, live_server, cast,
                                                                                    existing):
    """The form is sent from the keyboard (Enter in the labelled field) as a POST: the name is in no address
    of the page, the history or a link; going back from a case to the results sends no search again."""
    sign_in(page, live_server, "worker")
    page.goto(f"{live_server.url}/persons/")
    searches = []
    page.on("request", lambda r: searches.append((r.method, r.url)) if "/persons/" in r.url else None)
    assert page.locator("label[for=id_q]").count() == 1 and page.locator("form[role=search]").count() == 1
    page.locator("#id_q").fill("Memmedova Aisel")
    page.keyboard.press("Enter")
    page.locator("#search-results").wait_for()
    assert searches == [("POST", f"{live_server.url}/persons/")]
    assert page.url == f"{live_server.url}/persons/"
    links = page.eval_on_selector_all("[href], [action], [src]", "els => els.map(e => e.getAttribute('href') "
                                      "|| e.getAttribute('action') || e.getAttribute('src'))")
    assert links and not [a for a in links if "emmedova" in a.lower() or "aisel" in a.lower()]
    assert page.locator("#id_q").input_value() == "Memmedova Aisel"  # kept in the form, not in the address
    with page.expect_navigation(url=f"**/cases/{existing.uuid}/"):
        page.locator("#search-results").get_by_role("link", name=existing.reference).click()
    try:
        page.go_back()
    except PlaywrightError as asked:  # Chromium's "Confirm form resubmission" page: it asks, it does not resend
        assert "ERR_CACHE_MISS" in str(asked)
    from nicat.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="person.search").count() == 1  # the server searched once


def test_a_relative_is_found_without_the_phone_in_the_address(page, live_server, cast, existing):
    from nicat.safety import services as safety

    safety.add_relative(actor=cast.worker, case=existing, data={
        "relation": "sibling", "given_name": "Elvin", "family_name": "Məmmədov", "phone": "+994 55 765 43 21",
        "risk": "high"})
    sign_in(page, live_server, "worker")
    page.goto(f"{live_server.url}/safety/relatives/search/")
    page.fill("#id_phone", "0557654321")
    page.locator("main form[role=search] button[type=submit]").click()
    page.get_by_test_id("relative-results").wait_for()
    assert existing.reference in page.get_by_test_id("relative-results").inner_text()
    assert page.url == f"{live_server.url}/safety/relatives/search/"
