"""PUT /api/v1/cases/<uuid>/assignment/: the case's worker and team through the API, allowed exactly as on the
page (nicat.work.services.assign_case), version-checked and audited; refusals from other institutions."""
import pytest

from nicat.audit.models import AuditEvent
from nicat.referrals.models import Notification
from nicat.work import services

pytestmark = pytest.mark.django_db


def url(case):
    return f"/api/v1/cases/{case.uuid}/assignment/"


def test_supervisor_assigns_worker_and_team_with_the_version_read(world, api):
    case = world.adult()
    c = api(world.supervisor)
    answer = c.get(url(case))
    assert answer.status_code == 200
    assert answer.json() == {"case": str(case.uuid), "worker": None, "worker_name": "", "members": [], "version": 0,
                             "updated_at": None}
    response = c.put(url(case), {"worker": str(world.colleague.uuid), "members": [str(world.cast.worker.uuid)],
                                 "version": 0}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["worker"] == str(world.colleague.uuid) and body["members"] == [str(world.cast.worker.uuid)]
    assert body["version"] == 1
    team = services.team_of(case)
    assert team.worker == world.colleague and list(team.members.all()) == [world.cast.worker]
    assert Notification.objects.filter(user=world.colleague, kind="case_assigned").count() == 1
    event = AuditEvent.objects.filter(action="case.assign").get()
    assert event.actor == world.supervisor and event.case_reference == case.reference
    assert AuditEvent.objects.filter(action="case.assignment_view").count() == 1
    # The version read is required and must be the current one: no silent overwrite.
    stale = c.put(url(case), {"worker": str(world.cast.worker.uuid), "version": 0}, format="json")
    assert stale.status_code == 409
    missing = c.put(url(case), {"worker": str(world.cast.worker.uuid)}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    # Leaving `members` out keeps the team; null unassigns the worker.
    response = c.put(url(case), {"worker": None, "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["worker"] is None
    assert response.json()["members"] == [str(world.cast.worker.uuid)]
    assert services.team_of(case).worker is None


def test_worker_takes_an_unassigned_case_only_for_themselves(world, api):
    case = world.adult()
    c = api(world.colleague)
    refused = c.put(url(case), {"worker": str(world.cast.worker.uuid), "version": 0}, format="json")
    assert refused.status_code == 403 and "only for yourself" in refused.json()["detail"]
    refused = c.put(url(case), {"worker": str(world.colleague.uuid), "members": [], "version": 0}, format="json")
    assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    taken = c.put(url(case), {"worker": str(world.colleague.uuid), "version": 0}, format="json")
    assert taken.status_code == 200 and taken.json()["worker"] == str(world.colleague.uuid)
    # Once someone works on it, only the supervisor changes it.
    again = api(world.cast.worker).put(url(case), {"worker": str(world.cast.worker.uuid), "version": 1},
                                       format="json")
    assert again.status_code == 403
    assert services.team_of(case).worker == world.colleague


def test_a_worker_of_another_institution_is_refused_with_a_clear_400(world, api):
    case = world.adult()
    c = api(world.supervisor)
    response = c.put(url(case), {"worker": str(world.cast.worker2.uuid), "version": 0}, format="json")
    assert response.status_code == 400
    assert response.json()["worker"] == ["Only someone who works on cases at Birinci QHT can be the case's worker."]
    response = c.put(url(case), {"worker": str(world.colleague.uuid), "members": [str(world.manager.uuid)],
                                 "version": 0}, format="json")
    assert response.status_code == 400 and "members" in response.json()
    unknown = c.put(url(case), {"worker": "00000000-0000-0000-0000-000000000000", "version": 0}, format="json")
    assert unknown.status_code == 400 and "worker" in unknown.json()
    extra = c.put(url(case), {"worker": None, "version": 0, "institution": "x"}, format="json")
    assert extra.status_code == 400 and "institution" in extra.json()
    assert services.team_of(case) is None or services.team_of(case).worker is None
    assert not AuditEvent.objects.filter(action="case.assign").exists()


def test_another_institution_can_neither_read_nor_set_the_assignment(world, api):
    case = world.adult()
    for stranger in (world.foreign_supervisor, world.cast.worker2):  # cannot see the case: it does not exist
        c = api(stranger)
        assert c.get(url(case)).status_code == 404
        assert c.put(url(case), {"worker": str(stranger.uuid), "version": 0}, format="json").status_code == 404
    world.refer_to_shelter(case)  # the shelter sees the case through the referral, but does not own it
    shelter = api(world.manager)
    assert shelter.get(url(case)).status_code == 200
    refused = shelter.put(url(case), {"worker": str(world.manager.uuid), "version": 0}, format="json")
    assert refused.status_code == 403
    analyst = api(world.cast.analyst)  # no case-working role
    assert analyst.get(url(case)).status_code == 404
    assert services.team_of(case) is None
    assert not AuditEvent.objects.filter(action="case.assign").exists()
