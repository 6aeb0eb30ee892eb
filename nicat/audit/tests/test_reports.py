"""The subject-access report of one person, and unusual access flagged on the supervisor's dashboard."""
import pytest
from django.test import override_settings
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.selectors import case_detail
from tests.support.world import make_user


@pytest.fixture
def supervisor(cast):
    return make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)


def test_person_report_lists_every_access_and_is_itself_audited(client, cast, supervisor):
    case = cast.open_case()
    case_detail(user=cast.worker, case_uuid=case.uuid)
    other = cast.open_case(person={"given_name": "Someone", "family_name": "Else"})
    client.force_login(supervisor)
    page = client.get(reverse("audit:person_report", args=[case.person.uuid]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "case.view" in body and "person.create" in body and case.reference in body
    assert other.reference not in body
    assert AuditEvent.objects.filter(action="audit.person_report", actor=supervisor).count() == 1


def test_person_report_is_for_supervisors_who_may_see_the_person(client, cast, supervisor):
    case = cast.open_case()
    client.force_login(cast.worker)
    assert client.get(reverse("audit:person_report", args=[case.person.uuid])).status_code == 403
    foreign_supervisor = make_user("ngo2.supervisor", cast.ngo2, Role.SUPERVISOR)
    client.force_login(foreign_supervisor)
    assert client.get(reverse("audit:person_report", args=[case.person.uuid])).status_code == 404


@override_settings(NICAT_UNUSUAL_CASE_VIEWS=3)
def test_staff_opening_many_cases_they_do_not_work_on_is_flagged(client, cast, supervisor):
    snooper = make_user("snooper", cast.ngo)
    cases = [cast.open_case() for _ in range(3)]  # opened (worked on) by cast.worker, not by the snooper
    for case in cases:
        case_detail(user=snooper, case_uuid=case.uuid)
        case_detail(user=cast.worker, case_uuid=case.uuid)
    client.force_login(supervisor)
    page = client.get(reverse("web:dashboard")).content.decode()
    assert "snooper opened 3 cases" in page
    assert "worker opened" not in page  # the worker changed those cases: working on them is not unusual
