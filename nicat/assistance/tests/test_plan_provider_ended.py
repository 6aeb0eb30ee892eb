"""A provider whose authorisation ended (a non-profit struck off the register) delivers no more services: work
under the plan it was responsible for neither starts nor is recorded as done by it, as the service log already
refuses it (law: only authorised institutions provide services)."""
import pytest

from nicat.assistance import services as assistance
from nicat.consent.models import Purpose
from nicat.core.calendar import baku_today
from nicat.directory.services import save_institution
from tests.support.referrals import consent

pytestmark = pytest.mark.django_db


def test_a_provider_whose_authorisation_ended_does_not_deliver_the_plans_services(cast, api):
    case = cast.open_case()
    plan = assistance.create_plan(actor=cast.worker, case=case)
    goal = assistance.add_goal(actor=cast.worker, plan=plan, area="legal", description="A lawyer",
                               responsible_institution=cast.ngo2, due_on=baku_today())
    consent(cast.worker, case, Purpose.SERVICE, cast.ngo2, service="legal")
    plan.refresh_from_db()
    assistance.record_agreement(actor=cast.worker, plan=plan, expected_version=plan.version)
    action = assistance.add_action(actor=cast.worker, goal=goal, description="Meet the lawyer",
                                   responsible_institution=cast.ngo2)

    cast.ngo2.is_nonprofit = False  # struck off the register of non-profits: now a private business
    save_institution(actor=cast.admin, institution=cast.ngo2)

    worker = api(cast.worker)
    goal.refresh_from_db()
    r = worker.patch(f"/api/v1/plan-goals/{goal.uuid}/", {"status": "in_progress", "version": goal.version},
                     format="json")
    assert r.status_code == 400, r.json()
    assert "responsible_institution" in r.json()
    r = worker.patch(f"/api/v1/plan-actions/{action.uuid}/", {"status": "done", "version": action.version},
                     format="json")
    assert r.status_code == 400, r.json()
    assert "responsible_institution" in r.json()
    action.refresh_from_db()
    goal.refresh_from_db()
    assert (action.status, goal.status) == ("planned", "planned")
    # The service log refuses it likewise (the rule these follow).
    r = worker.post("/api/v1/services-delivered/", {
        "case": str(case.uuid), "kind": "legal", "provider": str(cast.ngo2.uuid), "duration_minutes": 60,
        "delivered_at": "2026-01-05T10:00:00Z"}, format="json")
    assert r.status_code == 400
