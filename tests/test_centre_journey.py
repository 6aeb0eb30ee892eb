"""The state assistance centre's journey in a real browser (system Chromium), in az, ru and en (issue 15).

A citizen trafficked abroad comes home: the consulate (which owns the case) has her consent to return and to
rehabilitation, refers her to the centre sharing identity, contacts, health and the return, and has planned
the travel (the consul's own journey: tests/test_consul_journey.py). The centre's case worker finds the
referral, accepts it, records that she was met on arrival, then works with her on the case's protection and
rehabilitation page: draws up the plan (a legal and a psychological goal), records her agreement, logs the
first psychological session, pays the one-time state allowance (she is recognised as a victim) and reports
progress on the referral. The main pages pass axe (serious and critical rules); the rehabilitation page does
not scroll sideways at 390 px.
"""
import datetime
import re

import pytest
from django.utils import timezone

from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.browser import submit_assistance_form
from tests.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ASSISTANCE_PAGE = re.compile(r".*/assistance/cases/[0-9a-f-]{36}/(#\w+)?$")
REFERRAL_PAGE = re.compile(r".*/referrals/[0-9a-f-]{36}/$")


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_centre_receives_a_returning_citizen_and_rehabilitates_her(browser, live_server, cast, language):
    from nicat.assistance.models import AllowancePayment, PlanGoal, RehabilitationPlan, ServiceDelivery
    from nicat.cases.models import Case
    from nicat.cases.services import open_case
    from nicat.consent.models import Purpose
    from nicat.referrals import services as referrals
    from nicat.referrals.models import Referral, ReturnPlan, Status
    from tests.support.referrals import build_world, consent, referral_data
    from tests.support.world import term

    world = build_world(cast)
    case = open_case(actor=world.consul, person_data={
        "given_name": "Günay", "family_name": "Həsənova", "birth_date": datetime.date(1993, 7, 1),
        "gender": term("gender", "feminine"), "citizenships": [term("country", "AZ")]},
        case_data={"came_to_notice": "consulate", "scope": "transnational",
                   "first_contact_at": timezone.now() - datetime.timedelta(days=2)})
    Case.objects.system().filter(pk=case.pk).update(  # the Main Department's decision (its own journey)
        trafficking_status="ActualVictimOfTrafficking", status_decided_by=cast.main_department,
        status_decided_on=timezone.localdate())
    consent(world.consul, case, Purpose.RETURN)
    for area in ("legal", "psychological"):
        # given the day before: in force when the session dated half an hour ago took place
        consent(world.consul, case, Purpose.SERVICE, service=area,
                given_at=timezone.now() - datetime.timedelta(days=1))
    referral = referrals.create_referral(actor=world.consul, case=case, data=referral_data(
        world.centre, purpose=Purpose.RETURN, service="return", message="Arrives without a passport.",
        shared_sections=["identity", "contacts", "medical", "return"]))
    referrals.save_return_plan(actor=world.consul, referral=referral, data={
        "documents": "issued", "arrival_at": timezone.now() + datetime.timedelta(hours=2),
        "arrival_point": "Heydar Aliyev airport, terminal 1"})

    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        # --- The referral: found in the list, accepted, the arrival recorded. ---------------------------
        complete_sign_in(page, live_server, world.centre_worker, language)
        assert page.locator("html").get_attribute("lang") == language
        page.goto(f"{live_server.url}/referrals/")
        with page.expect_navigation(url=REFERRAL_PAGE):
            page.locator(f"[data-testid=referral-list] a[href*='{referral.uuid}']").first.click()
        assert "Heydar Aliyev airport" in page.locator("[data-testid=return-plan]").inner_text()
        assert violations(page) == [], "referral page"
        with page.expect_navigation(url=REFERRAL_PAGE):
            page.locator("[data-testid=accept]").click()
        assert Referral.objects.system().get(pk=referral.pk).status == Status.ACCEPTED
        page.fill("#id_arrived_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_note", "Met at the gate by two staff; taken to the centre.")
        with page.expect_navigation(url=REFERRAL_PAGE):
            page.locator("form[action$='/arrival/'] button[type=submit]").click()
        assert ReturnPlan.objects.system().get(referral=referral).arrived_at is not None
        assert "Met at the gate" in page.locator("[data-testid=arrived]").inner_text()

        # --- Protection and rehabilitation: the plan, agreed. --------------------------------------------
        page.locator("[data-testid=open-case]").click()
        with page.expect_navigation(url=ASSISTANCE_PAGE):
            page.locator("[data-testid=assistance-link]").click()
        assert page.locator("[data-testid=close-case]").count() == 0  # the consulate owns the case
        with page.expect_navigation(url=ASSISTANCE_PAGE):
            page.locator("[data-testid=plan-create]").click()
        for area, text in (("legal", "Claim the unpaid wages and compensation."),
                           ("psychological", "Weekly sessions with the centre's psychologist.")):
            page.locator("[data-testid=goal-add]").click()
            page.select_option("#id_area", area)
            page.fill("#id_description", text)
            with page.expect_navigation(url=ASSISTANCE_PAGE):
                submit_assistance_form(page)
        assert page.locator("[data-testid=goal]").count() == 2
        page.locator("[data-testid=agreement]").click()
        page.fill("#id_note", "Agreed to both goals.")
        with page.expect_navigation(url=ASSISTANCE_PAGE):
            submit_assistance_form(page)
        assert RehabilitationPlan.objects.system().get(case=case).status == "agreed"
        assert PlanGoal.objects.system().filter(case=case).count() == 2

        # --- The first psychological session (health is shared by the referral). ------------------------
        page.locator("[data-testid=service-add]").click()
        page.select_option("#id_kind", "psychological")
        page.select_option("#id_provider", str(world.centre.pk))
        when = timezone.localtime() - datetime.timedelta(minutes=30)
        page.fill("#id_delivered_at", when.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#id_duration_minutes", "60")
        page.fill("#id_description", "First session: sleep and safety.")
        with page.expect_navigation(url=ASSISTANCE_PAGE):
            submit_assistance_form(page)
        assert "First session" in page.locator("[data-testid=services]").inner_text()
        assert ServiceDelivery.objects.system().filter(case=case, kind="psychological").exists()

        # --- The one-time state allowance. ---------------------------------------------------------------
        page.locator("[data-testid=allowance-add]").click()
        page.select_option("#id_kind", "one_time")
        page.fill("#id_paid_on", timezone.localdate().isoformat())
        page.select_option("#id_source", "state_budget")
        with page.expect_navigation(url=ASSISTANCE_PAGE):
            submit_assistance_form(page)
        assert re.search(r"700[.,]00 AZN", page.locator("[data-testid=payments]").inner_text())
        assert AllowancePayment.objects.system().filter(case=case).get().institution == world.centre
        assert violations(page) == [], "rehabilitation page"
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 391, "sideways scroll at 390 px"
        page.set_viewport_size({"width": 1366, "height": 900})

        # --- Progress reported to the consulate on the referral. ------------------------------------------
        page.goto(f"{live_server.url}/referrals/{referral.uuid}/")
        page.fill("form[action$='/progress/'] textarea[name=text]", "Plan agreed; first session held.")
        with page.expect_navigation(url=REFERRAL_PAGE):
            page.locator("form[action$='/progress/'] button[type=submit]").click()
        assert "Plan agreed; first session held." in page.locator("[data-testid=referral-timeline]").inner_text()
        assert page.locator("html").get_attribute("lang") == language
    finally:
        context.close()

    from nicat.audit.models import AuditEvent

    actions = set(AuditEvent.objects.filter(case_reference=case.reference).values_list("action", flat=True))
    assert {"referral.accept", "referral.arrival", "plan.create", "plan.goal_add", "plan.agree", "service.record",
            "allowance.pay", "referral.progress"} <= actions, actions
