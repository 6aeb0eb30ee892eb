"""Supervisor pages: the trail browser and "who accessed this record"; nobody else gets in."""
import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from tests.support.world import make_user, verified_login


@pytest.fixture
def supervisor(cast):
    return make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)


@pytest.fixture
def own_case(cast):
    return cast.open_case(actor=cast.worker)


def test_supervisor_browses_and_filters_the_trail(client, cast, supervisor, own_case):
    verified_login(client, supervisor)
    response = client.get(reverse("audit:trail"))
    assert response.status_code == 200
    assert own_case.reference in response.content.decode()
    response = client.get(reverse("audit:trail"), {"user": "worker", "action": "case.", "case": own_case.reference})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="audit-event"') >= 1
    response = client.get(reverse("audit:trail"), {"user": "nobody.at.all"})
    assert 'data-testid="audit-event"' not in response.content.decode()
    assert client.get(reverse("audit:trail"), {"since": "2026-02-02", "until": "2026-01-01"}).status_code == 400
    assert AuditEvent.objects.filter(action="audit.view", actor=supervisor).count() == 4


def test_the_trail_is_scoped_to_the_supervisors_institution(client, cast, supervisor):
    other = cast.open_case(actor=cast.worker2)
    verified_login(client, supervisor)
    assert other.reference not in client.get(reverse("audit:trail")).content.decode()


def test_who_accessed_a_case(client, cast, supervisor, own_case):
    verified_login(client, supervisor)
    response = client.get(reverse("audit:case", args=[own_case.uuid]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="case-accessor"' in body and "worker" in body
    assert AuditEvent.objects.filter(action="audit.case_view", case_uuid=str(own_case.uuid)).exists()


def test_a_case_the_supervisor_cannot_see_is_not_found(client, cast, supervisor):
    foreign = cast.open_case(actor=cast.worker2)
    verified_login(client, supervisor)
    assert client.get(reverse("audit:case", args=[foreign.uuid])).status_code == 404


def test_others_are_refused(client, cast, own_case):
    verified_login(client, cast.worker)
    assert client.get(reverse("audit:trail")).status_code == 403
    assert client.get(reverse("audit:case", args=[own_case.uuid])).status_code == 403
    client.logout()
    assert client.get(reverse("audit:trail")).status_code == 302


def test_the_case_page_shows_supervisors_the_audit_panel(client, cast, supervisor, own_case):
    verified_login(client, supervisor)
    body = client.get(reverse("cases:detail", args=[own_case.uuid])).content.decode()
    assert 'data-testid="audit-panel"' in body
    verified_login(client, cast.worker)
    body = client.get(reverse("cases:detail", args=[own_case.uuid])).content.decode()
    assert 'data-testid="audit-panel"' not in body


def test_a_reason_the_trail_shows_puts_the_browsing_in_that_cases_trail(client, cast, supervisor, own_case):
    """Law 3: the trail browser shows each event's written reason opened (free text that may describe the person,
    sealed in the trail), so its `audit.view` names the cases whose reasons the page showed (by uuid, never the
    text): "who accessed this case" finds the browsing."""
    from nicat.audit.services import record, seal_reason, trail_key

    quiet = cast.open_case(actor=cast.worker)
    record(actor=cast.worker, action="case.update", obj=own_case,
           reason=seal_reason("She fears her uncle in Sumqayit.", trail_key(own_case)))
    verified_login(client, supervisor)
    response = client.get(reverse("audit:trail"))
    assert "She fears her uncle in Sumqayit." in response.content.decode()
    event = AuditEvent.objects.filter(action="audit.view", actor=supervisor).latest("sequence")
    assert event.details["cases"] == [str(own_case.uuid)]  # not the case whose events carry no reason
    assert str(quiet.uuid) not in str(event.details) and "Sumqayit" not in str(event.details)
    from nicat.audit.selectors import case_trail

    assert case_trail(case=own_case).filter(pk=event.pk).exists()
    assert not case_trail(case=quiet).filter(pk=event.pk).exists()
