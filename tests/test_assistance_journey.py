"""Protection and rehabilitation in a real browser (system Chromium), in each of the three languages.

A shelter manager admits a referred person; a case worker builds the rehabilitation plan, records
the person's agreement (one goal declined), logs a service, pays the allowance (once: the second
attempt is refused), reviews the plan for the last time; the manager records the person leaving;
the case worker closes the case. Two people work at the same time, each in their own browser
context. Data is found through stable ids; the language through the page's lang attribute.
"""
import datetime
import re

import pytest
from django.utils import timezone

from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.browser import submit_assistance_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_PAGE = re.compile(r".*/assistance/cases/[0-9a-f-]{36}/(#\w+)?$")


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_shelter_plan_services_allowance_and_closure(browser, live_server, cast, language):
    from nicat.assistance.models import PlanGoal
    from nicat.cases.models import Case
    from tests.support.world import ShelterWorld as World

    world = World(cast)
    case = world.recognise(world.adult())
    world.refer_to_shelter(case)
    # given the day before: in force when the service dated two hours ago was delivered
    world.consent(case, "service", service="legal", given_at=timezone.now() - datetime.timedelta(days=1))

    manager_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="az-AZ")
    worker_ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="az-AZ")
    manager, worker = manager_ctx.new_page(), worker_ctx.new_page()
    for p in (manager, worker):
        p.set_default_timeout(15000)
    try:
        # --- The shelter manager admits the referred person. -------------------------------------
        complete_sign_in(manager, live_server, world.manager, language)
        assert manager.locator("html").get_attribute("lang") == language
        manager.locator("#nav-cases").click()  # the menu's "Cases" group
        manager.locator("a.nav-link[href='/assistance/']").click()
        manager.locator(f"[data-testid=facility-table] a[href*='{world.shelter.uuid}']").click()
        manager.locator("[data-testid=admit-link]").click()
        manager.fill("#id_case_reference", case.reference)
        manager.select_option("#id_group", "men")
        with manager.expect_navigation():  # the form comes back
            submit_assistance_form(manager)
        assert manager.locator("#id_group_error").is_visible()  # a woman is not placed with men
        manager.select_option("#id_group", "women")
        with manager.expect_navigation(url=re.compile(rf".*/assistance/facilities/{world.shelter.uuid}/$")):
            submit_assistance_form(manager)
        assert case.reference in manager.locator("[data-testid=residents]").inner_text()
        assert manager.locator("[data-testid=occupancy-chart] polyline").count() >= 1

        # --- The case worker builds the plan. -----------------------------------------------------
        complete_sign_in(worker, live_server, cast.worker, language)
        worker.goto(f"{live_server.url}/cases/{case.uuid}/")
        with worker.expect_navigation(url=CASE_PAGE):
            worker.locator("[data-testid=assistance-link]").click()
        assert world.shelter.institution.name_az in worker.locator("[data-testid=stays]").inner_text()
        with worker.expect_navigation(url=CASE_PAGE):
            worker.locator("[data-testid=plan-create]").click()
        for area, text in (("legal", "Lawyer for the criminal proceedings"), ("employment", "Find a job")):
            worker.locator("[data-testid=goal-add]").click()
            worker.select_option("#id_area", area)
            worker.fill("#id_description", text)
            with worker.expect_navigation(url=CASE_PAGE):
                submit_assistance_form(worker)
        assert worker.locator("[data-testid=goal]").count() == 2

        # The person agrees to the plan but declines the employment goal.
        worker.locator("[data-testid=agreement]").click()
        employment_goal = PlanGoal.objects.system().get(case=case, area="employment")
        legal_goal = PlanGoal.objects.system().get(case=case, area="legal")
        worker.check(f"#id_declined_goals input[value='{employment_goal.uuid}']")
        worker.fill("#id_note", "Wants to rest before looking for work.")
        with worker.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(worker)
        employment = worker.locator("[data-testid=goal][data-area=employment] [data-testid=goal-status]")
        assert employment.get_attribute("class").count("text-bg-secondary") == 1  # declined

        # --- A service is logged. -------------------------------------------------------------------
        worker.locator("[data-testid=service-add]").click()
        worker.select_option("#id_kind", "legal")
        worker.select_option("#id_provider", str(cast.ngo.pk))
        when = timezone.localtime() - datetime.timedelta(hours=2)
        worker.fill("#id_delivered_at", when.strftime("%Y-%m-%dT%H:%M"))
        worker.fill("#id_duration_minutes", "90")
        worker.fill("#id_description", "Prepared the statement for the court.")
        worker.select_option("#id_goal", str(legal_goal.uuid))
        with worker.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(worker)
        assert "Prepared the statement" in worker.locator("[data-testid=services]").inner_text()

        # --- The allowance is paid once. ------------------------------------------------------------
        for attempt in (1, 2):
            worker.goto(f"{live_server.url}/assistance/cases/{case.uuid}/")
            worker.locator("[data-testid=allowance-add]").click()
            worker.select_option("#id_kind", "one_time")
            worker.fill("#id_paid_on", timezone.localdate().isoformat())
            worker.select_option("#id_source", "state_budget")
            with worker.expect_navigation():  # to the case, or the form back
                submit_assistance_form(worker)
            if attempt == 1:
                worker.wait_for_url(CASE_PAGE)
                assert re.search(r"700[.,]00 AZN", worker.locator("[data-testid=payments]").inner_text())
            else:
                assert worker.locator("#id_kind_error").is_visible()  # already paid: refused at the field
        worker.goto(f"{live_server.url}/assistance/cases/{case.uuid}/")
        assert worker.locator("[data-testid=payments] tbody tr").count() == 1

        # --- The plan is reviewed: the legal goal achieved, then the final review. -------------------
        worker.locator("[data-testid=goal][data-area=legal] a[href*='/assistance/goals/']").first.click()
        worker.select_option("#id_status", "achieved")
        worker.fill("#id_outcome", "Represented in court; compensation claimed.")
        with worker.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(worker)
        worker.locator("[data-testid=review-add]").click()
        worker.fill("#id_summary", "All accepted goals achieved; the person lives with her sister.")
        worker.check("#id_is_final")
        with worker.expect_navigation(url=CASE_PAGE):
            submit_assistance_form(worker)
        assert worker.locator("[data-testid=reviews] .badge").count() == 1

        # Closing is refused while the person still stays in the shelter …
        worker.locator("[data-testid=close-case]").click()
        worker.select_option("#id_closure_reason", "ServicesCompleted")
        with worker.expect_navigation():  # the form comes back
            submit_assistance_form(worker)
        assert worker.locator(".alert-danger").first.is_visible()

        # … so the manager records her leaving,
        manager.goto(f"{live_server.url}/assistance/facilities/{world.shelter.uuid}/")
        manager.locator("[data-testid=residents] a[href*='/discharge/']").click()
        manager.select_option("#id_end_kind", "completed")
        with manager.expect_navigation(url=re.compile(rf".*/assistance/facilities/{world.shelter.uuid}/$")):
            submit_assistance_form(manager)
        assert case.reference not in manager.locator("[data-testid=residents]").inner_text()

        # … and the case worker closes the case.
        worker.goto(f"{live_server.url}/assistance/cases/{case.uuid}/close/")
        worker.select_option("#id_closure_reason", "ServicesCompleted")
        with worker.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
            submit_assistance_form(worker)
        assert Case.objects.system().get(pk=case.pk).status == "Closed"
        assert worker.locator("html").get_attribute("lang") == language
    finally:
        manager_ctx.close()
        worker_ctx.close()

    from nicat.audit.models import AuditEvent

    actions = set(AuditEvent.objects.filter(case_reference=case.reference).values_list("action", flat=True))
    assert {"stay.admit", "plan.create", "plan.goal_add", "plan.agree", "service.record", "allowance.pay",
            "plan.goal_update", "plan.review", "stay.discharge", "case.update", "assistance.view"} <= actions


def test_assistance_pages_pass_axe(browser, live_server, cast):
    """The facility list and page (with its SVG chart), the case's page and a refused form pass the
    axe-core rules (serious and critical violations), like the case pages (tests/test_accessibility.py)."""
    from nicat.assistance import services
    from tests.support.world import ShelterWorld as World
    from tests.test_accessibility import violations

    world = World(cast)
    case = world.recognise(world.adult())
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group="women")
    plan = services.create_plan(actor=cast.worker, case=case)
    services.add_goal(actor=cast.worker, plan=plan, area="legal", description="Lawyer",
                      responsible_institution=cast.ngo)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        complete_sign_in(page, live_server, world.manager, "az")
        for path in ("/assistance/", f"/assistance/facilities/{world.shelter.uuid}/",
                     f"/assistance/facilities/{world.shelter.uuid}/admit/"):
            page.goto(live_server.url + path)
            assert violations(page) == [], path
        page.context.clear_cookies()
        complete_sign_in(page, live_server, cast.worker, "en")
        for path in (f"/assistance/cases/{case.uuid}/",):
            page.goto(live_server.url + path)
            assert violations(page) == [], path
        page.goto(f"{live_server.url}/assistance/cases/{case.uuid}/close/")
        page.locator("[data-testid=assistance-form] button[type=submit]").click()
        page.locator(".alert-danger").first.wait_for()
        assert violations(page) == [], "refused close form"
    finally:
        context.close()
