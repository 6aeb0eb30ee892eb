"""Two case workers ask to close the same case at the same moment while closing needs a supervisor's approval
(found by the ninth review): the check "already waiting for approval" ran before either request was written, so
on PostgreSQL both passed it and two approvals of the same closure waited side by side — one approved, the
other still pending for a case already closed. The case row is now locked before the check, so the second is
told it already waits. Real threads, real transactions (SQLite serialises the two, PostgreSQL lets them meet)."""
import time

import pytest

from nicat.accounts.models import User
from nicat.assistance import services as assistance
from nicat.cases.models import Case
from nicat.core.approvals import ApprovalPending
from nicat.work import services
from nicat.work.models import Approval, ApprovalStatus
from tests.support.threads import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_requests_to_close_a_case_at_once_leave_one_approval_waiting(world, monkeypatch):
    row = services.setting_for(world.cast.ngo)
    services.update_settings(actor=world.supervisor, institution=world.cast.ngo, data={"case_close": True},
                             version=row.version)
    case = world.adult()
    real_create = Approval.objects.create

    def slow_create(*args, **kwargs):
        time.sleep(0.3)  # both have looked for a waiting request before either writes one
        return real_create(*args, **kwargs)

    monkeypatch.setattr(Approval.objects, "create", slow_create)

    def close(worker_pk):
        def job():
            fresh = Case.objects.system().get(pk=case.pk)
            try:
                assistance.close_case(actor=User.objects.get(pk=worker_pk), case=fresh,
                                      closure_reason="DeclinedFurtherAssistance", expected_version=fresh.version)
            except ApprovalPending:
                return "pending"
            return "closed"
        return job

    outcomes = race([close(world.cast.worker.pk), close(world.colleague.pk)])
    assert sorted(o.split(":")[0] for o in outcomes) == ["pending", "refused"], outcomes
    assert "already waits" in next(o for o in outcomes if o.startswith("refused"))
    assert Approval.objects.system().filter(case_id=case.pk, status=ApprovalStatus.PENDING).count() == 1
