"""An approval is about a case: a supervisor whom an access-restriction order keeps away from the case neither
finds the approval (list, My work, the page, the API) nor decides it — it is answered as another institution's
approval is, 404. Lifting the order gives it back."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.access import services as access
from nicat.accounts.models import Role
from nicat.assistance import services as assistance
from nicat.core.approvals import ApprovalPending
from nicat.referrals.models import Notification
from nicat.work import selectors, services
from nicat.work.models import Approval, ApprovalStatus
from tests.support.world import verified_login


def _fresh(user):
    user._nicat_memberships = None
    return user


def _closure_waiting(world):
    row = services.setting_for(world.cast.ngo)
    services.update_settings(actor=world.supervisor, institution=world.cast.ngo, data={"case_close": True},
                             version=row.version)
    case = world.adult()
    with pytest.raises(ApprovalPending) as excinfo:
        assistance.close_case(actor=world.cast.worker, case=case, closure_reason="DeclinedFurtherAssistance",
                              expected_version=case.version)
    return case, Approval.objects.system().get(uuid=excinfo.value.approval_uuid)


def _order(world, case):
    """The prosecutor's order leaves the case to the case workers only: the NGO's supervisors no longer see it."""
    return access.record_restriction_order(
        actor=world.cast.officer, case_reference=case.reference, issued_by="prosecutor",
        issuing_body="Prosecutor General's Office", decision_reference="PGO-12/2026",
        decided_on=timezone.localdate(), allowed_roles=[Role.CASE_WORKER])


def test_a_supervisor_an_order_keeps_from_the_case_neither_sees_nor_decides_its_approval(world, client, api):
    case, request = _closure_waiting(world)
    order = _order(world, case)
    supervisor = _fresh(world.supervisor2)

    # the service
    assert not services.may_decide(supervisor, request)
    assert not selectors.approval_queue(user=supervisor).exists()
    assert [i for i in selectors.work_list(user=supervisor, window="all") if i.case == case] == []

    # the pages
    verified_login(client, supervisor)
    listing = client.get(reverse("work:approvals"))
    assert listing.status_code == 200 and case.reference.encode() not in listing.content
    my_work = client.get(reverse("work:list") + "?window=all")
    assert my_work.status_code == 200 and case.reference.encode() not in my_work.content
    url = reverse("work:approval", args=[request.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve", "version": request.version, "note": "ok"}).status_code == 404

    # the API
    c = api(supervisor)
    assert c.get("/api/v1/approvals/").json()["results"] == []
    assert c.get(f"/api/v1/approvals/{request.uuid}/").status_code == 404
    assert c.post(f"/api/v1/approvals/{request.uuid}/decide/", {"decision": "approve", "version": request.version},
                  format="json").status_code == 404

    request.refresh_from_db()
    case.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING and not case.is_closed

    # lifted: the supervisor decides again
    access.lift_restriction_order(actor=world.cast.officer, order=order)
    supervisor = _fresh(world.supervisor2)
    assert services.may_decide(supervisor, request)
    response = api(supervisor).post(f"/api/v1/approvals/{request.uuid}/decide/",
                                    {"decision": "approve", "version": request.version}, format="json")
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.is_closed


def test_a_request_filed_under_an_order_is_not_told_to_the_supervisors_it_keeps_from_the_case(world):
    row = services.setting_for(world.cast.ngo)
    services.update_settings(actor=world.supervisor, institution=world.cast.ngo, data={"case_close": True},
                             version=row.version)
    case = world.adult()
    _order(world, case)
    with pytest.raises(ApprovalPending):
        assistance.close_case(actor=world.cast.worker, case=case, closure_reason="DeclinedFurtherAssistance",
                              expected_version=case.version)
    assert not Notification.objects.filter(kind="approval_requested", case_reference=case.reference).exists()
