"""In the browser, in each language, one case in court: the police officer of the Main Department opens
the proceedings from the case page, sees the investigation file (the criminal case number, the stage, the
suspect) and adds a hearing; the NGO that accompanies the victim — a referral with consent shares the
hearings — sees the hearings on the case page and the proceedings page, never the file."""
import re

import pytest

from nicat.accounts.tests.helpers import complete_sign_in
from nicat.consent.models import Purpose
from nicat.referrals import services as referral_services
from tests.support.referrals import consent, referral_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBER = "2026/144-0071"
IN_COURT = {"az": "Məhkəmədə", "ru": "В суде", "en": "In court"}
HEARINGS = {"az": "Məhkəmə iclasları", "ru": "Судебные заседания", "en": "Court hearings"}


def _world(cast):
    from nicat.proceedings.demo import case_in_court
    from nicat.safety.demo import assess_for_court

    case = cast.open_case(actor=cast.officer)
    case_in_court(officer=cast.officer, case=case, investigating_body=cast.main_department, before_appearance=assess_for_court)
    consent(cast.officer, case, Purpose.REFERRAL, cast.ngo)
    referral = referral_services.create_referral(actor=cast.officer, case=case, data=referral_data(
        cast.ngo, shared_sections=["identity", "hearings"]))
    referral_services.accept_referral(actor=cast.worker, referral=referral, expected_version=referral.version)
    return case


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ")
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_police_and_the_ngo_see_one_case_in_court(browser, live_server, cast, language):
    case = _world(cast)
    context, page = _context(browser)
    try:
        complete_sign_in(page, live_server, cast.officer, language)
        page.goto(f"{live_server.url}/cases/{case.uuid}/")
        panel = page.get_by_test_id("proceedings-panel")
        assert NUMBER in panel.inner_text() and IN_COURT[language] in panel.inner_text()
        with page.expect_navigation(url=re.compile(rf".*/proceedings/case/{case.uuid}/$")):
            page.get_by_test_id("proceedings-open").click()
        file = page.get_by_test_id("investigation-file")
        assert page.get_by_test_id("criminal-case-number").inner_text() == NUMBER
        assert IN_COURT[language] in page.get_by_test_id("stage").inner_text()
        assert "Qasımov" in page.get_by_test_id("perpetrators").inner_text()
        assert file.is_visible()
        page.get_by_test_id("hearing-add").click()
        page.fill("#id_starts_at", "2030-05-14T11:00")
        page.fill("#id_court", "Bakı Apellyasiya Məhkəməsi")
        with page.expect_navigation(url=re.compile(rf".*/proceedings/case/{case.uuid}/$")):
            page.locator("main form button[type=submit]").click()
        hearings = page.get_by_test_id("hearings").inner_text()
        assert "Bakı Apellyasiya Məhkəməsi" in hearings and "Bakı Ağır Cinayətlər Məhkəməsi" in hearings
    finally:
        context.close()

    context, page = _context(browser)
    try:
        complete_sign_in(page, live_server, cast.worker, language)
        page.goto(f"{live_server.url}/cases/{case.uuid}/")
        panel = page.get_by_test_id("proceedings-panel")
        assert "Bakı Ağır Cinayətlər Məhkəməsi" in panel.get_by_test_id("next-hearing").inner_text()
        assert NUMBER not in page.content() and "Qasımov" not in page.content()
        with page.expect_navigation(url=re.compile(rf".*/proceedings/case/{case.uuid}/$")):
            page.get_by_test_id("proceedings-open").click()
        assert HEARINGS[language] in page.locator("main").inner_text()
        rows = page.get_by_test_id("hearing")
        assert rows.count() == 2
        assert page.get_by_test_id("appearance").count() == 1
        content = page.content()
        assert NUMBER not in content and "Qasımov" not in content and "Dayı" not in content
        assert page.get_by_test_id("investigation-file").count() == 0
        assert page.get_by_test_id("appearance-add").count() == 0  # reading hearings is no licence to write
    finally:
        context.close()
