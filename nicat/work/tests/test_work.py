"""Issue 15, items 3–5: assigning a case, tasks, approvals, the work list and notifications that are true —
and attacks from another institution (service, page and API)."""
import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from nicat.assistance import services as assistance
from nicat.assistance.models import PlanStatus
from nicat.audit.models import AuditEvent
from nicat.core.approvals import ApprovalPending
from nicat.core.calendar import baku_today
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.referrals.models import Notification
from nicat.work import selectors, services
from nicat.work.models import Approval, ApprovalStatus, Task
from tests.support.world import verified_login

NAME = ("Aysel", "Məmmədova")


def _plan_waiting_for_agreement(world):
    case = world.adult()
    plan = assistance.create_plan(actor=world.cast.worker, case=case)
    assistance.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="Lawyer",
                        responsible_institution=world.cast.ngo)
    world.consent(case, "service", service="legal")
    plan.refresh_from_db()
    return case, plan


def _require_plan_approval(world):
    row = services.setting_for(world.cast.ngo)
    services.update_settings(actor=world.supervisor, institution=world.cast.ngo,
                             data={"plan": True, "case_close": True}, version=row.version)


# --- assigning -------------------------------------------------------------------------------------------------


def test_supervisor_assigns_and_worker_takes_only_an_unassigned_case(world):
    case = world.adult()
    with pytest.raises(NotAllowed):  # a case worker may not assign a colleague
        services.assign_case(actor=world.cast.worker, case=case, worker=world.colleague, version=0)
    team = services.assign_case(actor=world.cast.worker, case=case, worker=world.cast.worker, version=0)
    assert team.worker == world.cast.worker  # ... but may take an unassigned case
    with pytest.raises(NotAllowed):  # ... and not take it from someone else
        services.assign_case(actor=world.colleague, case=case, worker=world.colleague, version=team.version)
    team = services.assign_case(actor=world.supervisor, case=case, worker=world.colleague,
                                members=[world.cast.worker], version=team.version)
    assert team.worker == world.colleague and list(team.members.all()) == [world.cast.worker]
    assert Notification.objects.filter(user=world.colleague, kind="case_assigned").count() == 1
    with pytest.raises(ConcurrentEdit):
        services.assign_case(actor=world.supervisor, case=case, worker=world.cast.worker, version=team.version - 1)
    with pytest.raises(ValidationError) as excinfo:  # only people of the owning institution
        services.assign_case(actor=world.supervisor, case=case, worker=world.manager, version=team.version)
    assert "worker" in excinfo.value.message_dict
    assert AuditEvent.objects.filter(action="case.assign").count() == 2


def test_another_institution_cannot_assign_or_see_the_team(world, client):
    case = world.adult()
    for actor in (world.foreign_supervisor, world.cast.worker2):
        with pytest.raises(NotAllowed):
            services.assign_case(actor=actor, case=case, worker=actor, version=0)
    verified_login(client, world.foreign_supervisor)
    assert client.get(reverse("work:assign", args=[case.uuid])).status_code == 404
    assert client.post(reverse("work:assign", args=[case.uuid]),
                       {"worker": world.foreign_supervisor.pk, "version": 0}).status_code == 404


# --- tasks -------------------------------------------------------------------------------------------------------


def test_tasks_are_assigned_only_to_someone_who_sees_the_case(world):
    case = world.adult()
    task = services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Call the lawyer", "kind": "follow_up", "due_on": baku_today(), "assigned_to": world.colleague})
    assert task.institution == world.cast.ngo
    assert Notification.objects.filter(user=world.colleague, kind="task_assigned").count() == 1
    with pytest.raises(ValidationError) as excinfo:  # the shelter does not see this case
        services.create_task(actor=world.cast.worker, case=case, data={
            "title": "Prepare a bed", "assigned_to": world.manager})
    assert "assigned_to" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.create_task(actor=world.cast.worker, case=case, data={"title": "", "kind": "follow_up"})
    assert {"title", "due_on"} <= set(excinfo.value.message_dict)
    done = services.complete_task(actor=world.colleague, task=task, outcome="Spoke to her", version=task.version)
    assert done.is_done and done.done_by == world.colleague
    with pytest.raises(ValidationError):
        services.complete_task(actor=world.colleague, task=done, version=done.version)


def test_foreign_institution_cannot_read_or_write_tasks(world, client, api):
    case = world.adult()
    task = services.create_task(actor=world.cast.worker, case=case, data={"title": "Visit", "kind": "task"})
    stranger = world.cast.worker2
    with pytest.raises(NotAllowed):
        services.create_task(actor=stranger, case=case, data={"title": "Snoop"})
    with pytest.raises(NotAllowed):
        services.complete_task(actor=stranger, task=task, version=task.version)
    verified_login(client, stranger)
    assert client.get(reverse("work:task", args=[task.uuid])).status_code == 404
    assert client.post(reverse("work:task_complete", args=[task.uuid]), {"version": task.version}).status_code == 404
    assert client.get(reverse("work:task_new", args=[case.uuid])).status_code == 404
    c = api(stranger)
    assert c.get(f"/api/v1/tasks/{task.uuid}/").status_code == 404
    assert c.get("/api/v1/tasks/").json()["results"] == []
    assert c.post(f"/api/v1/tasks/{task.uuid}/complete/", {"version": task.version},
                  format="json").status_code == 404
    # a task pointing at a case one cannot see is refused like a case that does not exist
    response = c.post("/api/v1/tasks/", {"case": str(case.uuid), "title": "Snoop"}, format="json")
    assert response.status_code == 400 and "case" in response.json()
    task.refresh_from_db()
    assert not task.is_done and Task.objects.system().count() == 1


def test_tasks_api_creates_and_completes(world, api):
    case = world.adult()
    c = api(world.cast.worker)
    response = c.post("/api/v1/tasks/", {"case": str(case.uuid), "title": "Book an interpreter",
                                         "due_on": baku_today().isoformat(),
                                         "assigned_to": str(world.colleague.uuid)}, format="json")
    assert response.status_code == 201, response.content
    uuid, version = response.json()["uuid"], response.json()["version"]
    response = c.post(f"/api/v1/tasks/{uuid}/complete/", {"version": version}, format="json")
    assert response.status_code == 200 and response.json()["done_at"]
    assert c.post(f"/api/v1/tasks/{uuid}/complete/", {"version": version}, format="json").status_code in (400, 409)


# --- approvals ----------------------------------------------------------------------------------------------------


def test_plan_waits_for_a_supervisor_and_nobody_approves_their_own_request(world, settings,
                                                                            django_capture_on_commit_callbacks):
    settings.NICAT_NOTIFICATION_EMAIL = True
    world.supervisor.email, world.cast.worker.email = "sup@example.org", "worker@example.org"
    world.supervisor.save()
    world.cast.worker.save()
    case, plan = _plan_waiting_for_agreement(world)
    _require_plan_approval(world)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ApprovalPending):
            assistance.record_agreement(actor=world.cast.worker, plan=plan, note="She agrees",
                                        expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT  # nothing happened yet
    request = Approval.objects.system().get(case=case)
    assert request.status == ApprovalStatus.PENDING and request.institution == world.cast.ngo
    assert Notification.objects.filter(user=world.supervisor, kind="approval_requested").exists()
    # the request lands in the supervisor's work list, not in the requester's
    assert [i.kind for i in selectors.work_list(user=world.supervisor, window="all")].count("approval") == 1
    assert "approval" not in [i.kind for i in selectors.work_list(user=world.cast.worker, window="all")]
    with pytest.raises(ValidationError):  # asking twice files nothing new
        assistance.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    with pytest.raises(NotAllowed):  # a case worker does not approve
        services.decide_approval(actor=world.cast.worker, approval=request, approve=True, version=request.version)
    with pytest.raises(NotAllowed):  # nor does a supervisor of another institution
        services.decide_approval(actor=world.foreign_supervisor, approval=request, approve=True,
                                 version=request.version)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_approval(actor=world.supervisor, approval=request, approve=True, version=request.version)
    plan.refresh_from_db()
    request.refresh_from_db()
    assert plan.status == PlanStatus.AGREED and request.status == ApprovalStatus.APPROVED
    assert Notification.objects.filter(user=world.cast.worker, kind="approval_given").exists()
    assert AuditEvent.objects.filter(action="approval.approve").count() == 1
    assert AuditEvent.objects.filter(action="plan.agree").count() == 1
    assert mail.outbox, "e-mail goes out when configured"
    for message in mail.outbox:
        text = message.subject + message.body
        assert case.reference in text
        for secret in (*NAME, "1995", "She agrees"):
            assert secret not in text


def test_approving_an_agreement_agrees_only_the_goals_the_person_was_asked_about(world):
    """Found by the third review: a goal added (or changed) while the agreement waited for the supervisor was
    agreed with the rest when the supervisor approved, although the person was never asked about it."""
    case, plan = _plan_waiting_for_agreement(world)
    _require_plan_approval(world)
    with pytest.raises(ApprovalPending):
        assistance.record_agreement(actor=world.cast.worker, plan=plan, note="She agrees",
                                    expected_version=plan.version)
    request = Approval.objects.system().get(case=case)
    world.consent(case, "service", service="education")
    assistance.add_goal(actor=world.cast.worker, plan=plan, area="education", description="Evening school",
                        responsible_institution=world.cast.ngo)
    with pytest.raises(ValidationError) as excinfo:
        services.decide_approval(actor=world.supervisor, approval=request, approve=True, version=request.version)
    assert "changed" in " ".join(excinfo.value.messages)
    plan.refresh_from_db()
    request.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and request.status == ApprovalStatus.PENDING
    assert not AuditEvent.objects.filter(action="plan.agree").exists()
    # The supervisor refuses it; asked again, with the new goal, the agreement is approved.
    services.decide_approval(actor=world.supervisor, approval=request, approve=False, version=request.version,
                             note="A goal was added: ask her again.")
    with pytest.raises(ApprovalPending):
        assistance.record_agreement(actor=world.cast.worker, plan=plan, note="She agrees to both",
                                    expected_version=plan.version)
    again = Approval.objects.system().get(case=case, status=ApprovalStatus.PENDING)
    services.decide_approval(actor=world.supervisor, approval=again, approve=True, version=again.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AGREED


def test_a_supervisor_cannot_approve_their_own_close_request(world):
    _require_plan_approval(world)
    case = world.adult()
    with pytest.raises(ApprovalPending) as excinfo:
        assistance.close_case(actor=world.supervisor, case=case, closure_reason="DeclinedFurtherAssistance",
                              expected_version=case.version)
    request = Approval.objects.system().get(uuid=excinfo.value.approval_uuid)
    with pytest.raises(NotAllowed):
        services.decide_approval(actor=world.supervisor, approval=request, approve=True, version=request.version)
    with pytest.raises(ValidationError):  # refusing needs a reason
        services.decide_approval(actor=world.supervisor2, approval=request, approve=False, version=request.version)
    services.decide_approval(actor=world.supervisor2, approval=request, approve=False, note="Not yet: follow-up due",
                             version=request.version)
    case.refresh_from_db()
    assert not case.is_closed
    assert Notification.objects.filter(user=world.supervisor, kind="approval_refused").exists()


def test_approval_pages_refuse_another_institution(world, client):
    _require_plan_approval(world)
    case, plan = _plan_waiting_for_agreement(world)
    with pytest.raises(ApprovalPending):
        assistance.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    request = Approval.objects.system().get(case=case)
    verified_login(client, world.foreign_supervisor)
    url = reverse("work:approval", args=[request.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve", "version": request.version}).status_code == 404
    request.refresh_from_db()
    assert request.status == ApprovalStatus.PENDING
    client.logout()
    verified_login(client, world.supervisor)
    response = client.get(url)
    assert response.status_code == 200 and b"approval-form" in response.content
    response = client.post(url, {"decision": "approve", "version": request.version, "note": ""})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AGREED


def test_without_settings_nothing_waits(world):
    case, plan = _plan_waiting_for_agreement(world)
    assistance.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AGREED and not Approval.objects.system().exists()


def test_only_supervisors_of_the_institution_change_the_settings(world):
    with pytest.raises(NotAllowed):
        services.update_settings(actor=world.cast.worker, institution=world.cast.ngo, data={"plan": True}, version=0)
    with pytest.raises(NotAllowed):
        services.update_settings(actor=world.foreign_supervisor, institution=world.cast.ngo, data={"plan": True},
                                 version=0)


# --- the work list -------------------------------------------------------------------------------------------------


def test_work_list_is_sorted_filtered_and_names_only_where_visible(world, client):
    today = baku_today()
    case = world.adult(given_name=NAME[0], family_name=NAME[1])
    later = services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Later", "kind": "task", "due_on": today + datetime.timedelta(days=3)})
    overdue = services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Late", "kind": "task", "due_on": today - datetime.timedelta(days=2),
        "assigned_to": world.colleague})
    items = selectors.work_list(user=world.cast.worker, kind="task", window="week")
    assert [i.link for i in items] == [reverse("work:task", args=[overdue.uuid]),
                                       reverse("work:task", args=[later.uuid])]
    assert [i.link for i in selectors.work_list(user=world.cast.worker, kind="task", window="overdue")] == [
        reverse("work:task", args=[overdue.uuid])]
    mine = selectors.work_list(user=world.colleague, kind="task", window="all", scope="mine")
    assert [i.link for i in mine] == [reverse("work:task", args=[overdue.uuid])]
    assert selectors.work_list(user=world.cast.worker2, window="all") == []  # another NGO sees none of it
    verified_login(client, world.cast.worker)
    response = client.get(reverse("work:list"), {"kind": "task", "window": "week"})
    assert response.status_code == 200
    assert NAME[1].encode() in response.content and case.reference.encode() in response.content
    assert AuditEvent.objects.filter(action="work.list").exists()
    # the dashboard shows the same list
    assert case.reference.encode() in client.get(reverse("web:dashboard")).content


def test_coordinator_sees_the_national_queue_without_names_of_cases_he_cannot_see(world):
    from nicat.accounts.models import Role
    from nicat.identification.services import refer_for_identification
    from tests.support.world import make_user

    coordinator = make_user("md.supervisor", world.cast.main_department, Role.SUPERVISOR)
    case = world.adult(given_name=NAME[0], family_name=NAME[1])
    world.consent(case, "identification", institution=world.cast.main_department)
    refer_for_identification(actor=world.cast.worker, case=case)
    items = selectors.work_list(user=coordinator, kind="identification_decision", window="all")
    assert [i.reference for i in items] == [case.reference]
    shown = selectors.with_names(user=coordinator, items=items)
    assert shown[0].name == "" or policy_sees(coordinator, case)
    # the Main Department was told it received the case
    assert Notification.objects.filter(user=world.cast.officer, kind="identification_received",
                                       case_reference=case.reference).exists()


def policy_sees(user, case):
    from nicat.access import policy

    return policy.can_see_section(user, case, "identity")


# --- notifications that are true ------------------------------------------------------------------------------


def test_break_glass_tells_the_owner_institution(world):
    from nicat.access.services import open_break_glass

    _ = world
    case = world.adult()
    services.update_settings(actor=world.supervisor, institution=world.cast.ngo, data={"break_glass": True},
                             version=0)
    open_break_glass(actor=world.foreign_supervisor, case_reference=case.reference,
                     reason="The police report an immediate danger to her life tonight.")
    assert Notification.objects.filter(user=world.cast.worker, kind="break_glass_opened",
                                       case_reference=case.reference).exists()
    assert not Notification.objects.filter(user=world.foreign_supervisor, kind="break_glass_opened").exists()
    review = Approval.objects.system().get(case=case, kind="break_glass")
    services.decide_approval(actor=world.supervisor, approval=review, approve=True, note="Justified: danger",
                             version=review.version)
    from nicat.access.models import BreakGlass

    assert BreakGlass.objects.system().get(case=case).reviewed_by == world.supervisor


def test_deadline_reminders_are_sent_once(world):
    case = world.adult()
    services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Call", "kind": "task", "due_on": baku_today() + datetime.timedelta(days=1),
        "assigned_to": world.colleague})
    assert services.send_deadline_reminders() == 1
    assert services.send_deadline_reminders() == 0
    assert Notification.objects.filter(user=world.colleague, kind="deadline_approaching").count() == 1


def test_approvals_api_refuses_another_institution_and_self_approval(world, api):
    _require_plan_approval(world)
    case, plan = _plan_waiting_for_agreement(world)
    response = api(world.cast.worker).post(f"/api/v1/rehabilitation-plans/{plan.uuid}/agreement/",
                                           {"version": plan.version}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "approval_pending", response.content
    request = Approval.objects.system().get(uuid=response.json()["approval"])
    url = f"/api/v1/approvals/{request.uuid}/"
    for stranger in (world.foreign_supervisor, world.cast.worker2):
        c = api(stranger)
        assert c.get(url).status_code == 404
        assert c.post(url + "decide/", {"decision": "approve", "version": request.version},
                      format="json").status_code == 404
        assert c.get("/api/v1/approvals/").json()["results"] == []
    requester = api(world.cast.worker)
    assert requester.get(url).status_code == 200  # the requester follows their request ...
    assert requester.post(url + "decide/", {"decision": "approve", "version": request.version},
                          format="json").status_code == 403  # ... and never decides it
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    response = api(world.supervisor).post(url + "decide/", {"decision": "approve", "version": request.version},
                                          format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AGREED


@pytest.mark.parametrize("outcome", ["recognised", "not_recognised"])
def test_the_decision_is_told_to_the_owner_without_identifying_data(world, outcome, settings,
                                                                      django_capture_on_commit_callbacks):
    from nicat.cases.models import Case
    from nicat.identification import services as identification
    from tests.support.identification import refer_with_consent

    settings.NICAT_NOTIFICATION_EMAIL = True
    world.cast.worker.email = "worker@example.org"
    world.cast.worker.save()
    case = world.adult(given_name=NAME[0], family_name=NAME[1])
    refer_with_consent(world.cast.worker, case)
    case = Case.objects.system().get(pk=case.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        identification.record_decision(actor=world.cast.officer, case=case, expected_version=case.version, decision={
            "outcome": outcome, "documents": [{"title": "Inquiry report"}], "certificate_language": "en",
            "reason": "The facts do not show exploitation." if outcome == "not_recognised" else ""})
    kind = "status_recognised" if outcome == "recognised" else "status_not_recognised"
    assert Notification.objects.filter(user=world.cast.worker, kind=kind, case_reference=case.reference).exists()
    sent = [m for m in mail.outbox if m.to == ["worker@example.org"]]
    assert len(sent) == 1 and case.reference in sent[0].body
    for secret in (*NAME, "1995", "exploitation"):
        assert secret not in sent[0].subject + sent[0].body


def test_the_work_list_shows_each_case_s_current_safety_level(world, client):
    """Issue 17: the current level of the safety assessment is in the work lists, not only on the case."""
    from nicat.safety.services import record_assessment

    case = world.adult(given_name=NAME[0], family_name=NAME[1])
    services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Call back", "kind": "task", "due_on": baku_today()})
    verified_login(client, world.cast.worker)
    page = client.get(reverse("work:list"), {"window": "week"}).content.decode()
    assert 'data-testid="safety-level"' not in page  # never assessed: nothing to show
    record_assessment(actor=world.cast.worker, case=case, data={
        "occasion": "intake", "level": "high", "factors": ["traffickers"],
        "reasons": "The recruiter knows where her family lives.",
        "review_on": baku_today() + datetime.timedelta(days=14)})
    page = client.get(reverse("work:list"), {"window": "week"}).content.decode()
    assert 'data-level="high"' in page and "Risk: high" in page


def test_the_work_list_costs_the_same_queries_for_three_or_twelve_overdue_cases(world, client):
    """Each case's statutory deadlines were computed with four queries of their own, so the dashboard of an
    institution with thousands of open cases took minutes (bench/registry_scale.py). Now everything the
    deadlines read is loaded with the list, and each legal parameter is read once per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nicat.cases.models import Case

    def open_overdue(count):
        for n in range(count):
            case = world.adult(given_name=f"Aysel{n}", family_name=NAME[1])
            Case.objects.system().filter(pk=case.pk).update(
                first_contact_at=case.first_contact_at - datetime.timedelta(days=30 + n))

    def cost():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("work:list"), {"window": "week"})
        assert response.status_code == 200
        return len(queries), response.content.decode().count("#identification")

    verified_login(client, world.cast.worker)
    open_overdue(3)
    few, shown_few = cost()
    open_overdue(9)
    many, shown_many = cost()
    assert (shown_few, shown_many) == (3, 12)  # every overdue referral to the Main Department is listed
    assert many == few, f"the work list's queries grew with the cases: {few} for 3, {many} for 12"


def test_the_work_list_that_shows_a_persons_name_is_in_the_cases_access_trail(world, client):
    """Found by the sixth review: the work list's event named the cases by reference, and "who accessed this
    case" finds a list's read by the case's uuid, so a colleague who read the person's name on /work/ was not
    in the case's access trail."""
    from nicat.audit.selectors import case_trail
    from nicat.work.services import create_task
    from tests.support.world import make_user

    case = world.cast.open_case(person={"given_name": "Nərmin", "family_name": "Quliyeva"})
    colleague = make_user("colleague", world.cast.ngo)
    create_task(actor=world.cast.worker, case=case, data={"title": "Call the lawyer", "due_on": baku_today(),
                                                          "assigned_to": colleague})
    verified_login(client, colleague)
    page = client.get(reverse("work:list"))
    assert page.status_code == 200 and "Quliyeva" in page.content.decode()
    listed = AuditEvent.objects.filter(action="work.list", actor=colleague).latest("sequence")
    assert listed.details["cases"] == [str(case.uuid)] and listed.details["references"] == [case.reference]
    assert any(e.actor_id == colleague.pk and e.action == "work.list" for e in case_trail(case=case))


def test_staff_of_a_deactivated_institution_are_neither_offered_nor_credited_with_a_task(world):
    """A membership gives access only while the institution is active (accounts.models.in_effect_q): the
    staff of a deactivated institution are not offered as a case's worker, and a task assigned to someone
    who also kept a role there is not recorded as that institution's."""
    from nicat.accounts.models import Membership, Role
    from tests.support.world import make_institution

    closed = make_institution("closed-ngo", "ngo", name_az="Bağlanmış QHT")
    Membership.objects.create(user=world.colleague, institution=closed, role=Role.CASE_WORKER)
    assert world.colleague in services.staff_of(closed)
    closed.active = False
    closed.save()
    assert list(services.staff_of(closed)) == []
    assert not services.works_at(world.colleague, closed)
    # The shelter manager, whose older role at the closed institution was never ended, sees the case through
    # the shelter's accepted referral: the task is the shelter's.
    case = world.adult()
    world.refer_to_shelter(case)
    Membership.objects.filter(user=world.manager).delete()
    Membership.objects.create(user=world.manager, institution=closed, role=Role.SHELTER_STAFF)
    Membership.objects.create(user=world.manager, institution=world.shelter_institution, role=Role.SHELTER_STAFF)
    world.manager._nicat_memberships = None
    task = services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Prepare a bed", "kind": "follow_up", "due_on": baku_today(), "assigned_to": world.manager})
    assert task.institution == world.shelter_institution
