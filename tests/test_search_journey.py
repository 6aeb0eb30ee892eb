"""In the browser: a worker registering a person typed in another script is warned of the existing
case (own institution) or told only to contact the coordinator (another institution); staff find the
person by any spelling."""
import datetime

import pytest

from tests.support.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/login/" not in url)


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
    warning.get_by_role("link").first.click()
    page.wait_for_url(f"**/cases/{existing.uuid}/")


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
