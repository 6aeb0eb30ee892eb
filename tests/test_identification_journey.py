"""From screening to the official decision, in a real browser (system Chromium).

A case worker of an NGO screens a presumed victim against the legal definition and the ILO/EC
indicators, saves partly, resumes, sees the reasoning, completes the screening and refers the person
to the Main Department with consent. An identification officer of the Main Department finds the case
on the dashboard, records the official recognition with the documents it rests on, and prints the
status certificate. Data is located through stable ids; the page language is English."""
import datetime
import re

import pytest
from django.utils import timezone

from nicat.cases.models import Case, TraffickingStatus
from nicat.identification.models import Identification, IdentificationStatus
from tests.support.world import term

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    from nicat.accounts.tests.helpers import complete_sign_in

    complete_sign_in(page, live_server, user, "en")


def test_screening_to_decision_journey(page, browser, live_server, cast):
    born = timezone.localdate() - datetime.timedelta(days=27 * 365)
    case = cast.open_case(person={"birth_date": born, "citizenships": [term("country", "UZ")]},
                          first_contact_at=timezone.now() - datetime.timedelta(hours=3))

    # --- the first responder screens -------------------------------------------------------------
    sign_in(page, live_server, cast.worker)
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    assert page.locator("[data-testid=identification-panel] [data-deadline=referral]").get_attribute(
        "data-state") == "due"
    with page.expect_navigation(url=re.compile(r".*/screenings/new/$")):
        page.locator(f"a[href$='/identification/cases/{case.uuid}/screenings/new/']").click()
    assert "Adults, labour exploitation" in page.locator("[data-testid=list-label]").inner_text()
    page.check(f"#id_acts input[value='{term('act', 'recruitment').pk}']")
    page.fill("#id_acts_facts", "Recruited through an online job advert for hotel work in Baku.")
    page.check("input[name='ind-deceptive_recruitment-job_nature'][value=yes]")
    page.fill("input[name='fact-deceptive_recruitment-job_nature']", "There was no hotel.")
    with page.expect_navigation(url=re.compile(r".*/screenings/[0-9a-f-]{36}/$")):
        page.click("button[name=save]")
    assert page.locator("[data-testid=next-step]").get_attribute("data-next-step") == "refer_assistance"
    assert page.locator("[data-testid=missing]").is_visible()

    # Resume later: the earlier answers are there; add the means, the purpose and more indicators.
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    page.locator("[data-testid=screenings] a").first.click()
    assert page.is_checked("input[name='ind-deceptive_recruitment-job_nature'][value=yes]")
    page.check(f"#id_means input[value='{term('means', 'deception').pk}']")
    page.check(f"#id_purposes input[value='{term('exploitation', 'forced_labour').pk}']")
    page.fill("#id_means_facts", "The job offer was false.")
    page.fill("#id_purpose_facts", "Made to work on a farm without pay.")
    for code in ("deceptive_recruitment-wages", "exploitative_conditions-excessive_hours",
                 "coercion_at_destination-documents", "coercion_at_destination-debt_bondage"):
        section = page.locator(f"details[data-element='{code.split('-')[0]}']")
        if section.get_attribute("open") is None:  # the form is in sections: open the one to answer
            section.locator("summary").first.click()
        page.check(f"input[name='ind-{code}'][value=yes]")
    with page.expect_navigation(url=re.compile(r".*/screenings/[0-9a-f-]{36}/$")):
        page.click("button[name=save]")
    assert page.locator("[data-testid=next-step]").get_attribute("data-next-step") == "refer_identification"
    assert page.locator("[data-element=deceptive_recruitment][data-met=yes]").count() == 1
    assert page.locator("[data-element=coercion_at_destination][data-met=yes]").count() == 1
    with page.expect_navigation(url=re.compile(r".*/screenings/[0-9a-f-]{36}/$")):
        page.click("button[name=complete]")
    assert page.locator("[data-testid=screening-status]").inner_text() == "Completed"

    # Refer within the deadline; without consent nothing is sent.
    with page.expect_navigation(url=re.compile(r".*/refer/$")):
        page.get_by_role("link", name="Refer for identification").click()
    page.fill("#id_note", "The person is staying at the NGO shelter.")
    with page.expect_navigation():  # the form comes back
        page.locator("form button[type=submit].btn-danger").click()
    # No consent for identification recorded yet: nothing is sent, the page offers to record it.
    assert page.locator("[data-testid=refer-errors]").is_visible()
    assert Identification.objects.system().get(case=case).status == IdentificationStatus.SCREENED
    from tests.support.identification import identification_consent

    identification_consent(cast.worker, case)
    page.fill("#id_note", "The person is staying at the NGO shelter.")
    with page.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
        page.locator("form button[type=submit].btn-danger").click()
    panel = page.locator("[data-testid=identification-panel]")
    assert panel.locator("[data-deadline=referral]").get_attribute("data-state") == "done"
    assert panel.locator("[data-deadline=no_expulsion]").count() == 1

    # --- the identification officer decides -------------------------------------------------------------
    officer_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    officer = officer_context.new_page()
    officer.set_default_timeout(15000)
    try:
        sign_in(officer, live_server, cast.officer)
        # the dashboard's work list (issue 15): the case waiting for the decision leads to the decision
        with officer.expect_navigation(url=re.compile(r".*/decide/$")):
            officer.locator(f"[data-testid=work-list] tr[data-kind=identification_decision] "
                            f"a[href$='/identification/cases/{case.uuid}/decide/']").click()
        assert "NGO shelter" in officer.locator("main").inner_text()
        officer.check("input[name=outcome][value=recognised]")
        officer.check("#id_release_from_liability")
        officer.fill("#id_liability_note", "Working without a permit.")
        officer.select_option("#id_certificate_language", "ru")
        with officer.expect_navigation():  # no document yet: refused, the form comes back
            officer.locator("form button[type=submit].btn-primary").click()
        assert officer.locator("[data-testid=documents-errors]").is_visible()
        assert Case.objects.system().get(pk=case.pk).trafficking_status == TraffickingStatus.POSSIBLE
        officer.fill("#id_doc-0-title", "Inquiry report")
        officer.fill("#id_doc-0-date", timezone.localdate().isoformat())
        officer.fill("#id_doc-0-reference", "MD-2026/17")
        with officer.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
            officer.locator("form button[type=submit].btn-primary").click()
        panel = officer.locator("[data-testid=identification-panel]")
        assert "Officially recognised" in panel.locator("[data-testid=identification-status]").inner_text()
        assert panel.locator("[data-deadline=residence_permit]").get_attribute("data-state") == "due"
        pdf = officer.request.get(f"{live_server.url}/identification/cases/{case.uuid}/certificate.pdf?lang=az")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")
    finally:
        officer_context.close()
    case = Case.objects.system().get(pk=case.pk)
    assert case.trafficking_status == TraffickingStatus.ACTUAL and case.status_decided_by == cast.main_department


def test_decision_refused_to_a_case_worker_in_the_browser(page, live_server, cast):
    case = cast.open_case()
    sign_in(page, live_server, cast.worker)
    response = page.goto(f"{live_server.url}/identification/cases/{case.uuid}/decide/")
    assert response.status == 403
    assert "Only an identification officer" in page.locator("main").inner_text()


def _violations(page, selector=None):
    """Serious and critical axe-core violations of the page, or of one part of it (`selector`)."""
    from tests.test_accessibility import AXE

    page.add_script_tag(content=AXE)
    return page.evaluate("""async (selector) => {
        const r = await axe.run(selector ? {include: [[selector]]} : document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""", selector)


def test_identification_pages_pass_axe(browser, live_server, cast):
    """The identification pages, and this app's parts of the case page and the dashboard, have no serious
    accessibility violation (axe-core, vendored under tests/vendor/; the page's CSP is bypassed to inject it)."""
    born = timezone.localdate() - datetime.timedelta(days=16 * 365)
    case = cast.open_case(person={"birth_date": born, "citizenships": [term("country", "UZ")]},
                          first_contact_at=timezone.now() - datetime.timedelta(hours=30))
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        sign_in(page, live_server, cast.worker)
        for path, part in ((f"/identification/cases/{case.uuid}/screenings/new/", None),
                           (f"/identification/cases/{case.uuid}/refer/", None), ("/identification/", None),
                           (f"/cases/{case.uuid}/", "[data-testid=identification-panel]"),
                           ("/", "[data-testid=work-list]")):
            page.goto(live_server.url + path)
            assert _violations(page, part) == [], path
        page.goto(f"{live_server.url}/identification/cases/{case.uuid}/screenings/new/")
        page.check(f"#id_acts input[value='{term('act', 'recruitment').pk}']")
        with page.expect_navigation(url=re.compile(r".*/screenings/[0-9a-f-]{36}/$")):
            page.click("button[name=save]")
        assert _violations(page) == [], "screening with a recommendation"

        from tests.support.identification import refer_with_consent

        refer_with_consent(cast.worker, case)
        page.context.clear_cookies()
        sign_in(page, live_server, cast.officer)
        page.goto(f"{live_server.url}/identification/cases/{case.uuid}/decide/")
        assert _violations(page) == [], "decision"
    finally:
        context.close()
