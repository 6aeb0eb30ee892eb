"""The supervisor's work queue and the approval of a rehabilitation plan, in a real browser (system Chromium),
in each of the three languages (issue 15, items 3 and 4).

The NGO asks its supervisor to sign off plans. A case worker records the person's agreement to the plan:
the page says it was sent for approval and the plan stays a draft. The supervisor finds the request on the
dashboard's work list and in "My work" (filtered to approvals), opens it and approves: the plan is agreed,
the case page shows the approval, and the case worker is notified."""
import re

import pytest
from django.urls import reverse
from django.utils import translation

from nicat.accounts.tests.helpers import complete_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_supervisor_approves_a_plan_from_the_work_queue(browser, live_server, cast, language):
    from nicat.accounts.models import Role
    from nicat.assistance import services as assistance
    from nicat.assistance.models import PlanStatus, RehabilitationPlan
    from nicat.referrals.models import Notification
    from nicat.work import services as work
    from nicat.work.models import Approval, ApprovalStatus
    from tests.support.world import ShelterWorld as World
    from tests.support.world import make_user

    world = World(cast)
    supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR, first_name="Leyla", last_name="Həsənova")
    work.update_settings(actor=supervisor, institution=cast.ngo, data={"plan": True}, version=0)
    case = world.adult(given_name="Nigar", family_name="Quliyeva")
    plan = assistance.create_plan(actor=cast.worker, case=case)
    assistance.add_goal(actor=cast.worker, plan=plan, area="legal", description="Lawyer for the proceedings",
                        responsible_institution=cast.ngo)
    world.consent(case, "service", service="legal")

    worker_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    sup_ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    worker, sup = worker_ctx.new_page(), sup_ctx.new_page()
    for p in (worker, sup):
        p.set_default_timeout(15000)
    try:
        # The case worker records the agreement: it waits for the supervisor.
        complete_sign_in(worker, live_server, cast.worker, language)
        worker.goto(f"{live_server.url}{reverse('assistance:agreement', args=[case.uuid])}")
        worker.locator("[data-testid=assistance-form] button[type=submit]").click()
        worker.locator("main .alert[role=status]").first.wait_for()
        assert RehabilitationPlan.objects.system().get(pk=plan.pk).status == PlanStatus.DRAFT
        request = Approval.objects.system().get(case=case)
        assert request.status == ApprovalStatus.PENDING

        # The supervisor: the dashboard's work list, then My work filtered to approvals.
        complete_sign_in(sup, live_server, supervisor, language)
        assert sup.locator("html").get_attribute("lang") == language
        dashboard = sup.locator("[data-testid=work-list]").inner_text()
        assert case.reference in dashboard and "Quliyeva" in dashboard  # his institution's case: the name shows
        with sup.expect_navigation(url=re.compile(r".*/work/$")):
            sup.locator(f"a.nav-link[href='{reverse('work:list')}']").click()
        sup.select_option("#id_kind", "approval")
        with sup.expect_navigation(url=re.compile(r".*/work/\?.*kind=approval.*")):
            sup.locator("[data-testid=work-filter] button[type=submit]").click()
        rows = sup.locator("[data-testid=work-list] tbody tr")
        assert rows.count() == 1 and case.reference in rows.first.inner_text()
        with sup.expect_navigation(url=re.compile(rf".*/work/approvals/{request.uuid}/$")):
            rows.first.locator("a").first.click()
        with sup.expect_navigation(url=re.compile(rf".*/work/approvals/{request.uuid}/$")):
            sup.locator("[data-testid=approve]").click()
        with translation.override(language):
            approved = str(ApprovalStatus.APPROVED.label)
        assert sup.locator("[data-testid=approval-status]").inner_text().strip() == approved
        assert RehabilitationPlan.objects.system().get(pk=plan.pk).status == PlanStatus.AGREED

        # The case page shows the approval; the case worker was told.
        sup.goto(f"{live_server.url}{reverse('cases:detail', args=[case.uuid])}")
        assert sup.locator("[data-testid=case-approvals] li").count() == 1
        assert Notification.objects.filter(user=cast.worker, kind="approval_given").exists()
    finally:
        worker_ctx.close()
        sup_ctx.close()
