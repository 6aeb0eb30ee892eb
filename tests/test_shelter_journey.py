"""The shelter's journey in a real browser (system Chromium), in az, ru and en (issue 15).

The NGO that owns the case holds ONE consent conversation covering the whole stay (referral to the
shelter, the shelter, the seven areas of rehabilitation; research refused) and lands back on the case; it
refers the person, sharing what happened and health. The shelter manager accepts the referral, sees the
shared sections exactly as the page says, admits the person, draws up the plan with a goal in each of the
seven areas, records the person's agreement (no further consent needed), logs a psychological session,
asks to extend the stay beyond the standard term — the shelter's supervisors approve such extensions, so the
stay does not move until the shelter's supervisor approves it from the approvals list; then the approval shows
on the case and the stay ends later —, and records the person leaving. The shelter is never offered closing
the case or the allowance. The extension form, the approval and the facility page pass axe (serious and
critical rules); the facility page does not scroll sideways at 390 px."""
import datetime
import re

import pytest
from django.utils import formats, timezone, translation

from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.browser import submit_assistance_form
from tests.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_PAGE = re.compile(r".*/assistance/cases/[0-9a-f-]{36}/(#\w+)?$")
AREAS = ("legal", "education", "psychological", "medical", "vocational", "employment", "housing")


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_shelter_journey_with_one_consent_conversation(browser, live_server, cast, language):
    from nicat.accounts.models import Role
    from nicat.assistance.models import PlanGoal, RehabilitationPlan, ServiceDelivery, Stay
    from nicat.consent.models import Consent
    from nicat.directory.models import InstitutionService
    from nicat.referrals.models import Referral
    from nicat.referrals.services import create_referral
    from nicat.work import services as work
    from nicat.work.models import Approval, ApprovalKind, ApprovalStatus
    from tests.support.world import ShelterWorld as World
    from tests.support.world import make_user, term

    world = World(cast)
    shelter = world.shelter_institution
    InstitutionService.objects.create(institution=shelter, kind="psychological")
    supervisor = make_user("shelter.supervisor", shelter, Role.SUPERVISOR, first_name="Səbinə", last_name="Əliyeva")
    work.update_settings(actor=supervisor, institution=shelter, data={"stay_extension": True}, version=0)
    case = world.recognise(cast.open_case(person={"gender": term("gender", "feminine"),
                                                  "birth_date": datetime.date(1996, 3, 3)},
                                          summary="Recruited with a false job offer as a waitress abroad."))

    worker_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    # axe is injected into the pages of these two, which the Content-Security-Policy rightly forbids
    manager_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    sup_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    worker, manager, sup = worker_ctx.new_page(), manager_ctx.new_page(), sup_ctx.new_page()
    for p in (worker, manager, sup):
        p.set_default_timeout(15000)
    try:
        # --- The NGO: one consent conversation for the whole stay, then back on the case. ----------------
        complete_sign_in(worker, live_server, cast.worker, language)
        assert worker.locator("html").get_attribute("lang") == language
        worker.goto(f"{live_server.url}/cases/{case.uuid}/")
        worker.locator("[data-testid=consent-conversation]").click()
        worker.locator("[data-testid=conversation-form]").wait_for()
        for topic in ("referral", "shelter"):
            worker.select_option(f"select[name='{topic}-institution']", str(shelter.uuid))
            worker.check(f"input[name='{topic}-answer'][value=given]")
        for area in AREAS:
            worker.check(f"input[name='{area}-answer'][value=given]")
        worker.check("input[name='research-answer'][value=refused]")
        with worker.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/(#consent)?$")):
            worker.locator("[data-testid=conversation-save]").click()
        assert Consent.objects.system().filter(case=case).count() == 10
        assert worker.locator("[data-testid=consent-table] tr[data-state=refused]").count() == 1
        referral = create_referral(actor=cast.worker, case=case, data={
            "to_institution": shelter, "purpose": "referral", "urgency": "urgent", "message": "Safe place tonight.",
            "shared_sections": ["identity", "contacts", "narrative", "medical"]})

        # --- The shelter accepts the referral and sees what it shares. ---------------------------------
        complete_sign_in(manager, live_server, world.manager, language)
        manager.goto(f"{live_server.url}/referrals/{referral.uuid}/")
        manager.locator("[data-testid=accept]").click()
        manager.wait_for_load_state()
        assert Referral.objects.system().get(pk=referral.pk).status == "accepted"
        manager.goto(f"{live_server.url}/cases/{case.uuid}/")
        assert "false job offer as a waitress" in manager.content()
        assert manager.locator("[data-testid=shared-sections]").count() == 1

        # --- Admission (the shelter consent came from the conversation). --------------------------------
        manager.goto(f"{live_server.url}/assistance/facilities/{world.shelter.uuid}/")
        manager.locator("[data-testid=admit-link]").click()
        manager.fill("#id_case_reference", case.reference)
        manager.select_option("#id_group", "women")
        with manager.expect_navigation(url=re.compile(rf".*/assistance/facilities/{world.shelter.uuid}/$")):
            submit_assistance_form(manager)
        assert case.reference in manager.locator("[data-testid=residents]").inner_text()

        # --- The plan in the seven areas, agreed without another consent form. --------------------------
        manager.goto(f"{live_server.url}/assistance/cases/{case.uuid}/")
        assert manager.locator("[data-testid=close-case]").count() == 0
        assert manager.locator("[data-testid=allowance-add]").count() == 0
        with manager.expect_navigation(url=CASE_PAGE):
            manager.locator("[data-testid=plan-create]").click()
        for area in AREAS:
            manager.locator("[data-testid=goal-add]").click()
            manager.select_option("#id_area", area)
            manager.fill("#id_description", f"Goal in the area {area}.")
            with manager.expect_navigation(url=CASE_PAGE):
                submit_assistance_form(manager)
        assert PlanGoal.objects.system().filter(case=case).count() == 7
        manager.locator("[data-testid=agreement]").click()
        manager.fill("#id_note", "Agreed to every part of the plan.")
        with manager.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(manager)
        assert RehabilitationPlan.objects.system().get(case=case).status == "agreed"

        # --- A psychological session is logged (health is shared). -------------------------------------
        manager.locator("[data-testid=service-add]").click()
        manager.select_option("#id_kind", "psychological")
        manager.select_option("#id_provider", str(shelter.pk))
        # Logged right after the session: after the conversation in which she consented (a session dated
        # before it would be refused — the consent must be in force on the delivery date).
        when = timezone.localtime()
        manager.fill("#id_delivered_at", when.strftime("%Y-%m-%dT%H:%M"))
        manager.fill("#id_duration_minutes", "50")
        manager.fill("#id_description", "First session with the psychologist.")
        with manager.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(manager)
        assert ServiceDelivery.objects.system().filter(case=case, kind="psychological").exists()

        # --- The stay is extended beyond the standard term: it waits for the shelter's supervisor. -------
        facility_page = re.compile(rf".*/assistance/facilities/{world.shelter.uuid}/$")
        first_end = Stay.objects.system().get(case=case).planned_end
        manager.goto(f"{live_server.url}/assistance/facilities/{world.shelter.uuid}/")
        manager.locator("[data-testid=residents] a[href*='/extend/']").click()
        manager.locator("#id_reason").wait_for()
        assert violations(manager) == [], "extension form"
        manager.fill("#id_reason", "The trial starts next month; she needs a safe place until she testifies.")
        with manager.expect_navigation(url=facility_page):
            submit_assistance_form(manager)
        request = Approval.objects.system().get(case=case, kind=ApprovalKind.STAY_EXTENSION)
        assert request.status == ApprovalStatus.PENDING
        assert manager.locator("main .alert[role=status]").first.is_visible()  # "sent for approval"
        assert Stay.objects.system().get(case=case).planned_end == first_end  # nothing moved yet

        complete_sign_in(sup, live_server, supervisor, language)
        sup.goto(f"{live_server.url}/work/approvals/")
        with sup.expect_navigation(url=re.compile(rf".*/work/approvals/{request.uuid}/$")):
            sup.locator(f"[data-testid=approval-list] a[href*='{request.uuid}']").first.click()
        with translation.override(language):
            approved, kind = str(ApprovalStatus.APPROVED.label), str(ApprovalKind.STAY_EXTENSION.label)
        assert kind in sup.locator("h1").inner_text()
        assert violations(sup) == [], "approval page"
        with sup.expect_navigation(url=re.compile(rf".*/work/approvals/{request.uuid}/$")):
            sup.locator("[data-testid=approve]").click()
        assert sup.locator("[data-testid=approval-status]").inner_text().strip() == approved
        stay = Stay.objects.system().get(case=case)
        assert stay.extensions == 1 and stay.planned_end == first_end + datetime.timedelta(days=30)
        sup.goto(f"{live_server.url}/cases/{case.uuid}/")
        approvals = sup.locator("[data-testid=case-approvals] li").inner_text()
        assert kind in approvals and approved in approvals and "Əliyeva" in approvals
        manager.goto(f"{live_server.url}/assistance/facilities/{world.shelter.uuid}/")
        with translation.override(language):
            new_end = formats.date_format(stay.planned_end, "SHORT_DATE_FORMAT")
        assert new_end in manager.locator("[data-testid=residents]").inner_text()
        assert violations(manager) == [], "facility page"
        manager.set_viewport_size({"width": 390, "height": 844})
        assert manager.evaluate("document.documentElement.scrollWidth") <= 391, "sideways scroll at 390 px"
        manager.set_viewport_size({"width": 1366, "height": 900})

        # --- Leaving the shelter. -------------------------------------------------------------------------
        manager.goto(f"{live_server.url}/assistance/facilities/{world.shelter.uuid}/")
        manager.locator("[data-testid=residents] a[href*='/discharge/']").click()
        manager.select_option("#id_end_kind", "completed")
        with manager.expect_navigation(url=re.compile(rf".*/assistance/facilities/{world.shelter.uuid}/$")):
            submit_assistance_form(manager)
        assert Stay.objects.system().get(case=case).ended_at is not None
        assert manager.locator("html").get_attribute("lang") == language
    finally:
        worker_ctx.close()
        manager_ctx.close()
        sup_ctx.close()
