"""A withdrawal of the consent to a service takes effect at once for the services planned under it: the planned
actions it covered are cancelled, and none is recorded as done afterwards (law: no measure against the
victim's will)."""
import pytest

from nicat.assistance import services as assistance
from nicat.assistance.models import PlanAction
from nicat.consent.models import Purpose
from nicat.core.calendar import baku_today
from tests.support.referrals import consent

pytestmark = pytest.mark.django_db


def test_withdrawing_a_service_consent_cancels_its_planned_actions_and_none_is_then_done(cast, api):
    case = cast.open_case()
    plan = assistance.create_plan(actor=cast.worker, case=case)
    goal = assistance.add_goal(actor=cast.worker, plan=plan, area="psychological", description="Regain sleep",
                               responsible_institution=cast.ngo, due_on=baku_today())
    legal_goal = assistance.add_goal(actor=cast.worker, plan=plan, area="legal", description="A lawyer",
                                     responsible_institution=cast.ngo, due_on=baku_today())
    given = consent(cast.worker, case, Purpose.SERVICE, cast.ngo, service="psychological")
    consent(cast.worker, case, Purpose.SERVICE, cast.ngo, service="legal")
    plan.refresh_from_db()
    assistance.record_agreement(actor=cast.worker, plan=plan, expected_version=plan.version)
    session = assistance.add_action(actor=cast.worker, goal=goal, description="Weekly session",
                                    responsible_institution=cast.ngo)
    lawyer = assistance.add_action(actor=cast.worker, goal=legal_goal, description="Meet the lawyer",
                                   responsible_institution=cast.ngo)

    worker = api(cast.worker)
    r = worker.post(f"/api/v1/consents/{given.uuid}/withdraw/", {"note": "No more sessions."}, format="json")
    assert r.status_code == 200, r.json()
    session.refresh_from_db()
    lawyer.refresh_from_db()
    assert (session.status, lawyer.status) == ("cancelled", "planned")  # only what rested on it

    r = worker.patch(f"/api/v1/plan-actions/{session.uuid}/", {"status": "done", "version": session.version},
                     format="json")
    assert r.status_code == 400, r.json()
    assert "consent" in r.json()
    assert PlanAction.objects.system().get(pk=session.pk).status == "cancelled"
    r = worker.patch(f"/api/v1/plan-actions/{lawyer.uuid}/", {"status": "done", "version": lawyer.version},
                     format="json")
    assert r.status_code == 200, r.json()
