"""Issue 14, item 7: the administrator gave himself a case-worker role at the first NGO in /admin/
and then listed its cases with names. Role grants now go through an audited service; nobody grants
a role to themselves; a grant by an administrator gives no access until the head of the
institution (a supervisor there) or a second administrator confirms it; the institution is told."""
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from nicat.accounts import services
from nicat.accounts.models import Membership, MembershipStatus, Role
from nicat.audit.models import AuditEvent
from nicat.core.errors import NotAllowed
from nicat.referrals.models import Notification, NotificationKind
from tests.support.world import PASSWORD, make_user, verified_login


@pytest.fixture
def world(cast):
    cast.case = cast.open_case(person={"given_name": "Xalidə", "family_name": "Qurbanova"})
    cast.head = make_user("head", cast.ngo, Role.SUPERVISOR)
    cast.admin2 = get_user_model().objects.create_superuser("admin2", password=PASSWORD)
    cast.newcomer = make_user("newcomer")
    return cast


def add_membership_in_admin(client, user, institution, role=Role.CASE_WORKER):
    return client.post(reverse("admin:accounts_membership_add"),
                       {"user": user.pk, "institution": institution.pk, "role": role})


def case_list_shows_the_victim(client, case=None):
    """The attack: list the institution's cases, open one, read the victim's name."""
    from nicat.cases.models import Case

    case = case or Case.objects.system().get()
    listed = client.get(reverse("cases:list"))
    if listed.status_code != 200 or case.reference not in listed.content.decode():
        return False
    detail = client.get(reverse("cases:detail", args=[case.uuid]))
    return detail.status_code == 200 and "Qurbanova" in detail.content.decode()


def test_admin_cannot_grant_himself_a_case_working_role(client, world):
    verified_login(client, world.admin)
    response = add_membership_in_admin(client, world.admin, world.ngo)
    assert response.status_code == 200  # the form again, with the reason
    assert "You cannot grant a role to yourself" in response.content.decode()
    assert not Membership.objects.filter(user=world.admin).exists()
    assert not case_list_shows_the_victim(client)
    with pytest.raises(ValidationError, match="yourself"):
        services.grant_membership(actor=world.admin, user=world.admin, institution=world.ngo, role=Role.CASE_WORKER)


def test_admin_grant_gives_no_access_until_the_head_confirms(client, world):
    verified_login(client, world.admin)
    response = add_membership_in_admin(client, world.newcomer, world.ngo)
    assert response.status_code == 302
    grant = Membership.objects.get(user=world.newcomer)
    assert grant.status == MembershipStatus.PENDING and not grant.active and grant.granted_by == world.admin
    assert AuditEvent.objects.filter(action="membership.grant", actor=world.admin, object_id=str(grant.uuid)).exists()

    newcomer = verified_login(Client(), world.newcomer)
    assert not case_list_shows_the_victim(newcomer)
    assert newcomer.get(reverse("cases:detail", args=[world.case.uuid])).status_code in (403, 404)

    # the same administrator cannot confirm his own grant (service, page and admin action)
    with pytest.raises(NotAllowed, match="You made this grant"):
        services.confirm_membership(actor=world.admin, membership=grant)
    assert client.post(reverse("accounts:grant_decide", args=[grant.uuid]), {"decision": "confirm"}).status_code == 403
    client.post(reverse("admin:accounts_membership_changelist"),
                {"action": "confirm_grants", "_selected_action": [grant.pk]})
    grant.refresh_from_db()
    assert grant.status == MembershipStatus.PENDING and not grant.active
    # nor the staff member who receives it, nor an ordinary case worker of the institution
    with pytest.raises(NotAllowed):
        services.confirm_membership(actor=world.newcomer, membership=grant)
    with pytest.raises(NotAllowed, match="head of the institution"):
        services.confirm_membership(actor=world.worker, membership=grant)
    assert not case_list_shows_the_victim(newcomer)

    # the head of the institution sees it on the dashboard and confirms it on the "Role grants" page
    head = verified_login(Client(), world.head)
    assert 'data-testid="grants-to-decide"' in head.get(reverse("web:dashboard")).content.decode()
    page = head.get(reverse("accounts:grants")).content.decode()
    assert "newcomer" in page and 'value="confirm"' in page
    assert head.post(reverse("accounts:grant_decide", args=[grant.uuid]), {"decision": "confirm"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == MembershipStatus.ACTIVE and grant.active and grant.decided_by == world.head
    confirm = AuditEvent.objects.get(action="membership.confirm", object_id=str(grant.uuid))
    assert confirm.actor == world.head and confirm.details["as"] == "head"
    assert case_list_shows_the_victim(newcomer)


def test_a_second_administrator_may_confirm(world):
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo2,
                                      role=Role.CASE_WORKER)
    services.confirm_membership(actor=world.admin2, membership=grant)
    grant.refresh_from_db()
    assert grant.active and AuditEvent.objects.get(action="membership.confirm").details["as"] == "administrator"


def test_a_head_of_another_institution_cannot_confirm(world):
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo2,
                                      role=Role.CASE_WORKER)
    with pytest.raises(NotAllowed):
        services.confirm_membership(actor=world.head, membership=grant)  # head of ngo, not of ngo2
    head = verified_login(Client(), world.head)
    assert head.post(reverse("accounts:grant_decide", args=[grant.uuid]),
                                      {"decision": "confirm"}).status_code == 404


def test_the_institution_is_notified_without_identifying_data(world):
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo,
                                      role=Role.CASE_WORKER)
    pending = Notification.objects.filter(kind=NotificationKind.ROLE_GRANT_PENDING)
    assert {n.user for n in pending} == {world.worker, world.head}
    assert all(n.institution == world.ngo and n.case_reference == "" and n.link == reverse("accounts:grants")
               and "newcomer" not in n.link for n in pending)
    services.confirm_membership(actor=world.head, membership=grant)
    confirmed = Notification.objects.filter(kind=NotificationKind.ROLE_GRANT_CONFIRMED)
    # the staff (the newcomer included) are told; the head who confirmed is not told what he did
    assert {n.user for n in confirmed} == {world.worker, world.newcomer}


def test_rejected_grant_never_takes_effect_and_can_be_granted_again(world):
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo,
                                      role=Role.CASE_WORKER)
    services.reject_membership(actor=world.head, membership=grant)
    grant.refresh_from_db()
    assert grant.status == MembershipStatus.REJECTED and not grant.active
    again = services.grant_membership(actor=world.admin2, user=world.newcomer, institution=world.ngo,
                                      role=Role.CASE_WORKER)
    assert again.pk == grant.pk and again.status == MembershipStatus.PENDING
    with pytest.raises(ValidationError, match="already waits"):
        services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo, role=Role.CASE_WORKER)


def test_ending_a_role_ends_access_at_once(client, world):
    membership = Membership.objects.get(user=world.worker)
    worker = verified_login(client, world.worker)
    assert case_list_shows_the_victim(worker)
    services.end_membership(actor=world.head, membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ENDED and not membership.active
    assert not case_list_shows_the_victim(worker)
    assert AuditEvent.objects.filter(action="membership.end", actor=world.head).exists()
    with pytest.raises(NotAllowed):
        services.end_membership(actor=world.worker2, membership=membership)


def test_a_pending_grant_cannot_be_active_in_the_database(world):
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo,
                                      role=Role.CASE_WORKER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=grant.pk).update(active=True)


def test_only_administrators_grant(world):
    with pytest.raises(NotAllowed):
        services.grant_membership(actor=world.head, user=world.newcomer, institution=world.ngo, role=Role.CASE_WORKER)


def test_a_grant_decided_meanwhile_is_refused_with_the_reason_not_a_404(world):
    """Law 7: two deciders, one grant. The head confirms it; a second administrator, on the "Role grants"
    page loaded before, rejects it: he is told it was decided meanwhile (not a "Not found" page), and the
    confirmation stands, decided and audited once."""
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo,
                                      role=Role.CASE_WORKER)
    head, admin2 = verified_login(Client(), world.head), verified_login(Client(), world.admin2)
    assert str(grant.uuid) in admin2.get(reverse("accounts:grants")).content.decode()  # the page he acts on
    assert head.post(reverse("accounts:grant_decide", args=[grant.uuid]), {"decision": "confirm"}).status_code == 302
    late = admin2.post(reverse("accounts:grant_decide", args=[grant.uuid]), {"decision": "reject"}, follow=True)
    assert late.status_code == 200
    assert "This grant no longer waits for confirmation." in late.content.decode()
    grant.refresh_from_db()
    assert grant.status == MembershipStatus.ACTIVE and grant.active and grant.decided_by == world.head
    assert AuditEvent.objects.filter(action__in=["membership.confirm", "membership.reject"],
                                     object_id=str(grant.uuid)).count() == 1
    with pytest.raises(ValidationError, match="no longer waits"):
        services.reject_membership(actor=world.admin2, membership=grant)


@pytest.mark.django_db(transaction=True)
def test_two_deciders_at_the_same_moment_decide_a_grant_once(world):
    """The race itself, on PostgreSQL: the head confirms and a second administrator rejects the same grant at
    the same moment, both already inside the decision (waiting on the row) before either decides. Exactly
    one decision is taken and audited; the other is told the grant no longer waits."""
    import threading
    import time

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time")
    grant = services.grant_membership(actor=world.admin, user=world.newcomer, institution=world.ngo,
                                      role=Role.CASE_WORKER)
    held, release, outcomes = threading.Event(), threading.Event(), {}

    def hold():  # keeps the row locked until both deciders wait on it
        try:
            with transaction.atomic():
                Membership.objects.select_for_update().get(pk=grant.pk)
                held.set()
                release.wait(20)
        finally:
            connections.close_all()

    def decide(name, call, actor):
        try:
            call(actor=actor, membership=Membership.objects.get(pk=grant.pk))  # both read it pending
            outcomes[name] = "decided"
        except ValidationError as refusal:
            outcomes[name] = " ".join(refusal.messages)
        except Exception as error:  # pragma: no cover - reported below
            outcomes[name] = repr(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(20)
    deciders = [threading.Thread(target=decide, args=("head", services.confirm_membership, world.head)),
                threading.Thread(target=decide, args=("admin2", services.reject_membership, world.admin2))]
    for thread in deciders:
        thread.start()
    deadline, waiting = time.monotonic() + 20, 0
    while waiting < 2 and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")
            waiting = cursor.fetchone()[0]
        time.sleep(0.02)
    release.set()
    for thread in [holder, *deciders]:
        thread.join(30)
    assert waiting == 2, "the two deciders did not wait on the row together: the test proved nothing"
    assert sorted(outcomes.values()) == ["This grant no longer waits for confirmation.", "decided"], outcomes
    grant.refresh_from_db()
    winner = world.head if outcomes["head"] == "decided" else world.admin2
    assert grant.decided_by == winner
    assert grant.status == (MembershipStatus.ACTIVE if winner == world.head else MembershipStatus.REJECTED)
    assert AuditEvent.objects.filter(action__in=["membership.confirm", "membership.reject"],
                                     object_id=str(grant.uuid)).count() == 1
