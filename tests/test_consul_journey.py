"""The consul's journey in a real browser (system Chromium), in az, ru and en (issue 15).

1. An Azerbaijani citizen trafficked abroad. The consular officer of the consulate in Dubai registers her
   through the normal intake, records her consent to return in the one consent conversation (and lands back
   on the case), refers her to the state assistance centre at home for the return — sharing only her
   identity and the return —, and plans documents, travel and arrival on the referral. The case is among the
   consulate's own cases. When the centre meets her at the airport, the consul is told; on the case's
   protection page the consul records the reception at home and the completed return (a follow-up falls
   due), and is not offered the plan or the allowance.
2. A foreign victim in Azerbaijan. The embassy of her state learns of her only because she agreed to it
   (consular notification). The embassy's consul finds the referral, reads the message without her name,
   accepts it, and then sees her identity — and nothing of what happened to her.

The main pages pass axe (serious and critical rules); the referral page and My work do not scroll sideways at
390 px.
"""
import datetime
import re

import pytest
from django.utils import formats, timezone, translation

from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.browser import submit_assistance_form
from tests.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_PAGE = re.compile(r".*/cases/[0-9a-f-]{36}/(#\w+)?$")
ASSISTANCE_PAGE = re.compile(r".*/assistance/cases/[0-9a-f-]{36}/(#\w+)?$")
REFERRAL_PAGE = re.compile(r".*/referrals/[0-9a-f-]{36}/$")


def _choose_country(page, select_id, country, language):
    """A country is chosen in the searchable box (Tom Select), by its name in the page's language."""
    with translation.override(language):
        label = country.label
    page.locator(f".ts-wrapper:has(#{select_id}-ts-control) .ts-control").click()
    page.keyboard.type(label[:5])
    page.locator(f"#{select_id}-ts-dropdown .option", has_text=label).first.click()
    page.keyboard.press("Escape")
    assert page.locator(f"#{select_id} option:checked").first.get_attribute("value") == str(country.pk)


def _no_sideways_scroll(page):
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1366, "height": 900})
    return width <= 391


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_consul_returns_a_citizen_and_is_notified_of_a_foreign_victim(browser, live_server, cast, language):
    from nicat.assistance.models import FollowUp, ReturnStatus
    from nicat.assistance.models import ReturnPlan as AssistanceReturn
    from nicat.cases.models import Case
    from nicat.consent.models import Consent, Decision, Purpose
    from nicat.referrals import services as referrals
    from nicat.referrals.models import Notification, NotificationKind, Referral, ReturnPlan, Status
    from tests.support.referrals import build_world, consent, referral_data
    from tests.support.world import term

    world = build_world(cast)
    world.consul.first_name, world.consul.last_name = "Teymur", "Hümbətov"
    world.consul.save()

    consul_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    embassy_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    consul, embassy = consul_ctx.new_page(), embassy_ctx.new_page()
    for p in (consul, embassy):
        p.set_default_timeout(15000)
    try:
        # --- 1. The consulate registers a citizen trafficked abroad through the normal intake. ---------
        complete_sign_in(consul, live_server, world.consul, language)
        assert consul.locator("html").get_attribute("lang") == language
        consul.goto(f"{live_server.url}/cases/new/")
        assert violations(consul) == [], "intake"
        consul.fill("#id_person-family_name", "Həsənova")
        consul.fill("#id_person-given_name", "Günay")
        consul.fill("#id_person-birth_date", "1993-07-01")
        _choose_country(consul, "id_person-citizenships", term("country", "AZ"), language)
        consul.check(f"#id_case-exploitation_forms input[value='{term('exploitation', 'forced_labour').pk}']")
        consul.select_option("#id_case-came_to_notice", "consulate")
        consul.fill("#id_case-summary", "Held by her employer in Dubai; passport taken away.")
        with consul.expect_navigation(url=CASE_PAGE):
            consul.click("form button[type=submit].btn-primary")
        reference = consul.locator("h1 .case-ref").inner_text()
        case = Case.objects.system().get(reference=reference)
        assert case.owner_institution == world.consulate
        assert "Həsənova Günay" in consul.locator("[data-testid=person-name]").inner_text()
        assert violations(consul) == [], "case page"

        # Her consent to return, in the one consent conversation; back on the case.
        consul.locator("[data-testid=consent-conversation]").click()
        consul.locator("[data-testid=conversation-form]").wait_for()
        consul.check("input[name='return-answer'][value=given]")
        consul.check("input[name='research-answer'][value=refused]")
        with consul.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/(#consent)?$")):
            consul.locator("[data-testid=conversation-save]").click()
        assert Consent.objects.system().get(case=case, purpose=Purpose.RETURN).decision == Decision.GIVEN

        # The referral home, to the state assistance centre: identity and the return only.
        consul.locator(f"a[href$='/referrals/case/{case.uuid}/new/']").click()
        consul.select_option("#id_to_institution", str(world.centre.uuid))
        consul.select_option("#id_purpose", "return")
        consul.select_option("#id_service", "return")
        for box in consul.locator("#id_shared_sections input[type=checkbox]").all():
            box.set_checked(box.get_attribute("value") in ("identity", "return"))
        consul.fill("#id_message", "Arrives without a passport; needs to be met at the airport.")
        with consul.expect_navigation(url=REFERRAL_PAGE):
            consul.locator("form.card button[type=submit].btn-primary").click()
        referral = Referral.objects.system().get(case=case)
        assert referral.purpose == Purpose.RETURN and referral.to_institution == world.centre
        assert sorted(referral.shared_sections) == ["identity", "return"]

        # Documents, travel and arrival, planned by the consulate.
        arrival = timezone.localtime() + datetime.timedelta(days=3)
        consul.select_option("#id_documents", "issued")
        consul.fill("#id_travel_date", arrival.date().isoformat())
        consul.fill("#id_arrival_at", arrival.strftime("%Y-%m-%dT%H:%M"))
        consul.fill("#id_arrival_point", "Heydar Aliyev airport, terminal 1")
        consul.fill("#id_travel_details", "Flight J2 012, escorted by IOM")
        with consul.expect_navigation(url=REFERRAL_PAGE):
            consul.locator("form[action$='/return-plan/'] button[type=submit]").click()
        plan = ReturnPlan.objects.system().get(referral=referral)
        assert plan.documents == "issued" and plan.arrival_point == "Heydar Aliyev airport, terminal 1"
        assert "Heydar Aliyev airport" in consul.locator("[data-testid=return-plan]").inner_text()
        assert violations(consul) == [], "referral page"
        assert _no_sideways_scroll(consul), "the referral page scrolls sideways at 390 px"

        # The consulate's own cases list it.
        consul.goto(f"{live_server.url}/cases/")
        assert consul.get_by_role("link", name=reference).count() == 1
        consul.goto(f"{live_server.url}/work/")  # My work: its filters fit a phone in every language
        assert _no_sideways_scroll(consul), "My work scrolls sideways at 390 px"

        # The centre meets her (its own journey: tests/test_centre_journey.py); the consul is told.
        referrals.accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
        referrals.record_arrival(actor=world.centre_worker, referral=referral, note="Met at the gate.")
        consul.goto(f"{live_server.url}/referrals/notifications/")
        notices = consul.locator("[data-testid=notifications]").inner_text()
        assert reference in notices
        assert Notification.objects.filter(user=world.consul, kind=NotificationKind.PERSON_ARRIVED).exists()
        consul.goto(f"{live_server.url}/referrals/{referral.uuid}/")
        assert consul.locator("[data-testid=arrived]").inner_text().strip() != "—"

        # On the case's protection page the consulate records the return itself: the reception at home,
        # with the centre receiving her, then the return done; a follow-up falls due.
        consul.goto(f"{live_server.url}/cases/{case.uuid}/")
        with consul.expect_navigation(url=ASSISTANCE_PAGE):
            consul.locator("[data-testid=assistance-link]").click()
        assert consul.locator("[data-testid=plan-create]").count() == 0  # the plan is not the consul's to draw up
        assert consul.locator("[data-testid=allowance-add]").count() == 0
        consul.locator(f"a[href$='/assistance/cases/{case.uuid}/returns/new/']").click()
        consul.select_option("#id_direction", "reception")
        _choose_country(consul, "id_country", term("country", "AE"), language)
        consul.select_option("#id_receiving_organisation", str(world.centre.pk))
        consul.select_option("#id_consulate", str(world.consulate.pk))
        with consul.expect_navigation(url=ASSISTANCE_PAGE):
            submit_assistance_form(consul)
        back_home = AssistanceReturn.objects.system().get(case=case)
        assert back_home.direction == "reception" and back_home.consulate == world.consulate
        consul.locator(f"a[href$='/assistance/returns/{back_home.uuid}/complete/']").click()
        consul.fill("#id_completed_on", timezone.localdate().isoformat())
        with consul.expect_navigation(url=ASSISTANCE_PAGE):
            submit_assistance_form(consul)
        assert AssistanceReturn.objects.system().get(pk=back_home.pk).status == "completed"
        follow_up = FollowUp.objects.system().get(case=case)
        with translation.override(language):
            completed = str(ReturnStatus.COMPLETED.label)
            due = formats.date_format(follow_up.due_on, "SHORT_DATE_FORMAT")
        section = consul.locator("#return").inner_text()
        assert completed in section and due in section
        assert violations(consul) == [], "protection page"

        # --- 2. A foreign victim in Azerbaijan agrees that the embassy of her state is told. -----------
        foreign = cast.open_case(person={"given_name": "Dilnoza", "family_name": "Karimova",
                                         "citizenships": [term("country", "UZ")]},
                                 summary="Brought to Baku for work in a restaurant; wages never paid.")
        consent(cast.worker, foreign, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
        notice = referrals.create_referral(actor=cast.worker, case=foreign, data=referral_data(
            world.embassy_uz, purpose=Purpose.CONSULAR_NOTIFICATION, message="Asks for a new passport."))

        complete_sign_in(embassy, live_server, world.uz_consul, language)
        assert embassy.locator("html").get_attribute("lang") == language
        embassy.goto(f"{live_server.url}/referrals/")
        with embassy.expect_navigation(url=REFERRAL_PAGE):
            embassy.locator(f"[data-testid=referral-list] a[href*='{notice.uuid}']").first.click()
        assert "Asks for a new passport." in embassy.locator("[data-testid=referral-message]").inner_text()
        assert "Karimova" not in embassy.content()  # not before accepting
        with translation.override(language):
            purpose = str(Purpose.CONSULAR_NOTIFICATION.label)
        assert purpose in embassy.locator("main").inner_text()
        assert violations(embassy) == [], "referral to the embassy"
        with embassy.expect_navigation(url=REFERRAL_PAGE):
            embassy.locator("[data-testid=accept]").click()
        assert Referral.objects.system().get(pk=notice.pk).status == Status.ACCEPTED
        with embassy.expect_navigation(url=CASE_PAGE):
            embassy.locator("[data-testid=open-case]").click()
        assert "Karimova" in embassy.locator("[data-testid=person-name]").inner_text()
        assert embassy.locator("[data-testid=shared-sections]").count() == 1
        assert "wages never paid" not in embassy.content()  # what happened is not the embassy's to see
        assert violations(embassy) == [], "case seen by the embassy"
        assert embassy.locator("html").get_attribute("lang") == language
    finally:
        consul_ctx.close()
        embassy_ctx.close()

    from nicat.audit.models import AuditEvent

    actions = set(AuditEvent.objects.filter(case_reference=reference).values_list("action", flat=True))
    assert {"case.create", "consent.record", "referral.create", "referral.return_plan", "return.plan",
            "return.complete"} <= actions, actions
