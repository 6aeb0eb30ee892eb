"""In the browser, in each language (issue 16): an anonymous informational call; a call that becomes a case
(which shows it came from the hotline); an urgent call that alerts the duty service and is escalated when
nobody acknowledges it; a call linked to a person already registered; the public "ask for help" form
appearing on the operator's desk."""
import datetime
import re

import pytest
from django.utils import translation

from nicat.accounts.models import Role
from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.world import make_institution, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["az", "ru", "en"]


@pytest.fixture
def world(cast):
    from django.core.cache import cache

    cache.clear()
    hotline = make_institution("hotline-152", "hotline", name_az="152 qaynar xətti", phone="152")
    return {"cast": cast, "hotline": hotline,
            "operator": make_user("hl.operator", hotline, Role.HOTLINE_OPERATOR),
            "supervisor": make_user("hl.supervisor", hotline, Role.SUPERVISOR)}


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def _record(page, live_server, reason, **checks):
    """From the desk, with the quick key N: a contact for `reason`."""
    page.goto(f"{live_server.url}/hotline/")
    page.locator("#desk-today").wait_for()
    with page.expect_navigation(url=re.compile(r".*/hotline/new/$")):
        page.keyboard.press("n")
    page.select_option("#id_reason", reason)
    for field, value in checks.items():
        if value is True:
            page.check(f"#id_{field}")
        else:
            page.fill(f"#id_{field}", str(value))
    with page.expect_navigation(url=re.compile(r".*/hotline/[0-9a-f-]{36}/$")):
        page.locator("#contact-form button[type=submit]").click()
    return page.locator("h1").inner_text()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_anonymous_informational_call(browser, live_server, world, language):
    context, page, errors = _context(browser)
    try:
        complete_sign_in(page, live_server, world["operator"], language)
        assert page.locator("html").get_attribute("lang") == language
        heading = _record(page, live_server, "information", gave_information=True, duration_minutes=5)
        reference = re.search(r"HL-\d{4}-\d{6}", heading).group(0)
        assert page.locator("#contact-alert").count() == 0  # not urgent
        page.goto(f"{live_server.url}/hotline/")
        assert reference in page.locator("#desk-today").inner_text()
        page.keyboard.press("2")  # the script of the second reason
        assert page.locator("#script-job_offer_abroad").is_visible()
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_that_becomes_a_case(browser, live_server, world, language):
    from nicat.cases.models import CameToNotice

    context, page, _errors = _context(browser)
    try:
        complete_sign_in(page, live_server, world["operator"], language)
        _record(page, live_server, "help", gave_consultation=True)
        page.locator("#contact-open-case").click()
        page.fill("#id_person-given_name", "Nərmin")
        page.fill("#id_person-family_name", "Cəfərova")
        page.fill("#id_person-birth_date", "1994-03-05")
        with page.expect_navigation(url=re.compile(r".*/cases/[0-9a-f-]{36}/$")):
            page.locator("main form button[type=submit]").click()
        with translation.override(language):
            label = str(CameToNotice.HOTLINE.label)
        assert label in page.locator("main").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_urgent_call_alerts_the_duty_service_and_is_escalated(browser, live_server, world, language):
    from nicat.hotline.models import Alert
    from nicat.hotline.services import escalate_overdue

    cast = world["cast"]
    context, page, _errors = _context(browser)
    try:
        complete_sign_in(page, live_server, world["operator"], language)
        heading = _record(page, live_server, "danger_now", location="Bakı, dəmiryol vağzalı")
        reference = re.search(r"HL-\d{4}-\d{6}", heading).group(0)
        assert page.locator("#contact-alert.alert-danger").is_visible()
    finally:
        context.close()
    # The duty service (an identification officer of the Main Department) sees the alert, not the contact.
    context, page, _errors = _context(browser)
    try:
        complete_sign_in(page, live_server, cast.officer, language)
        assert page.locator("#nav-hotline-alerts .badge").inner_text() == "1"
        page.locator("#nav-hotline-alerts").click()
        row = page.locator("#alerts-table tbody tr").first
        assert reference in row.inner_text() and "vağzal" not in page.content()
        # Nobody acknowledges: the check runs later (time moved on), and escalates.
        alert = Alert.objects.get()
        assert [a.pk for a in escalate_overdue(now=alert.raised_at + datetime.timedelta(minutes=11))] == [alert.pk]
        page.reload()
        assert page.locator("#alerts-table .badge.text-bg-danger").count() == 1
    finally:
        context.close()
    # The hotline's supervisor sees it escalated and acknowledges it.
    context, page, _errors = _context(browser)
    try:
        complete_sign_in(page, live_server, world["supervisor"], language)
        page.goto(f"{live_server.url}/hotline/alerts/")
        with page.expect_navigation(url=re.compile(r".*/hotline/alerts/$")):
            page.locator("#alerts-table form button[type=submit]").click()
        assert page.locator("#alerts-table form").count() == 0
        assert Alert.objects.get().acknowledged_by == world["supervisor"]
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_linked_to_a_person_already_registered(browser, live_server, world, language):
    case = world["cast"].open_case(actor=world["operator"], person={"given_name": "Aynur", "family_name": "Bağırova"})
    context, page, _errors = _context(browser)
    try:
        complete_sign_in(page, live_server, world["operator"], language)
        _record(page, live_server, "suspected")
        page.locator("#contact-link").click()
        page.fill("#id_given_name", "Aynur")
        page.fill("#id_family_name", "Bağırova")
        page.locator("main form[role=search] button[type=submit]").click()
        page.locator("#link-results").wait_for()
        assert "Aynur" not in page.url and "Ba%C4%9F" not in page.url and "?" not in page.url  # POSTed
        with page.expect_navigation(url=re.compile(r".*/hotline/[0-9a-f-]{36}/$")):
            page.locator(f"#link-results button:has-text('{case.reference}')").click()
        assert case.reference in page.locator("#contact-case").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_ask_for_help_form_appears_on_the_operators_desk(browser, live_server, world, language, settings):
    settings.NICAT_HOTLINE_HELP_MIN_SECONDS = 0
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale={"az": "az-AZ", "ru": "ru-RU",
                                                                                    "en": "en-US"}[language])
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server.url}/public/help/")
        assert page.locator("html").get_attribute("lang") == language
        page.fill("#id_what", "Mənim pasportumu götürüblər")
        page.locator("#help-form button[type=submit]").click()
        page.locator("#help-thanks").wait_for()
        assert "pasport" not in page.content()
        assert context.cookies() == []
    finally:
        context.close()
    context, page, _errors = _context(browser)
    try:
        complete_sign_in(page, live_server, world["operator"], language)
        page.goto(f"{live_server.url}/hotline/")
        open_items = page.locator("#desk-open")
        assert "HL-" in open_items.inner_text()
        open_items.locator("a").first.click()
        assert "pasportumu" in page.locator("#contact-notes").inner_text()
    finally:
        context.close()
