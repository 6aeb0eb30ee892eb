"""Issue 14, item 3: a typed legal basis no longer bypasses consent.

The attack: after the person refused consent, an ordinary case worker sent the referral with
`"legal_basis": "court_order", "legal_basis_reason": "xxxxxxxxxx"` and the receiving side read identity,
contacts and narrative. Now a legal basis names the decision (body, number, date, copy), shares only the
sections it names, and nothing is shared before a supervisor of the competent authority — not the
requester — approves it."""
import base64

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Decision, LegalBasisUse, OrderStatus, Purpose
from nicat.consent.services import approve_legal_basis, reject_legal_basis
from nicat.core.errors import NotAllowed
from nicat.referrals import selectors, services
from nicat.referrals.models import Notification, NotificationKind, Referral, Status
from tests.support.referrals import PNG, consent, legal_basis_data, referral_data
from tests.support.world import make_user, verified_login


def sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def refer_api(client, case, to, **extra):
    return client.post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(to.uuid), "purpose": "law_enforcement", "urgency": "urgent",
        "message": "Please investigate.", "shared_sections": ["identity", "contacts", "narrative"], **extra},
        format="json")


def full_order(**extra):
    return {"legal_basis": "court_order", "legal_basis_reason": "The court ordered the disclosure.",
            "legal_basis_issuing_body": "Baku Grave Crimes Court", "legal_basis_order_number": "2-1/55",
            "legal_basis_order_date": str(timezone.localdate()), "legal_basis_copy": base64.b64encode(PNG).decode(),
            "legal_basis_sections": ["identity", "contacts", "narrative"], **extra}


@pytest.fixture
def refused(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.LAW_ENFORCEMENT, world.main_department, decision=Decision.REFUSED)
    return case


def test_the_typed_legal_basis_of_the_attack_is_refused(world, api, refused):
    ngo = api(world.worker)
    response = refer_api(ngo, refused, world.main_department, legal_basis="court_order",
                         legal_basis_reason="xxxxxxxxxx")
    assert response.status_code == 400
    assert {"legal_basis_issuing_body", "legal_basis_order_number", "legal_basis_order_date", "legal_basis_copy",
            "legal_basis_sections"} <= set(response.json())
    assert not Referral.objects.system().exists() and not LegalBasisUse.objects.system().exists()
    assert not sees(world.officer, refused)


def test_until_approved_the_receiving_side_sees_nothing(world, api, refused):
    ngo, officer = api(world.worker), api(world.officer)
    made = refer_api(ngo, refused, world.main_department, **full_order())
    assert made.status_code == 201, made.json()
    uuid = made.json()["uuid"]
    assert made.json()["legal_basis_status"] == "pending"
    # API: no referral in the queue, no referral, no case, no action.
    assert officer.get("/api/v1/referrals/?box=incoming").json()["results"] == []
    assert officer.get(f"/api/v1/referrals/{uuid}/").status_code == 404
    assert officer.post(f"/api/v1/referrals/{uuid}/accept/", {"version": 1}, format="json").status_code == 404
    assert officer.get(f"/api/v1/cases/{refused.uuid}/").status_code == 404
    # Services and pages: the same.
    referral = Referral.objects.system().get(uuid=uuid)
    with pytest.raises(NotAllowed):
        services.accept_referral(actor=world.officer, referral=referral, expected_version=referral.version)
    assert not sees(world.officer, refused) and selectors.shared_sections(world.officer, refused) == frozenset()
    assert not Notification.objects.filter(user=world.officer).exists()
    from django.test import Client

    page = Client()
    verified_login(page, world.officer)
    assert page.get(reverse("referrals:detail", args=[uuid])).status_code == 404
    assert refused.reference not in page.get(reverse("referrals:list")).content.decode()
    assert page.get(reverse("cases:detail", args=[refused.uuid])).status_code == 404
    # Approved by a supervisor of the competent authority: now it arrives, and can be accepted.
    approve_legal_basis(actor=world.ca_supervisor, use=referral.legal_basis_use, expected_version=referral.legal_basis_use.version)
    assert Notification.objects.filter(user=world.officer, kind=NotificationKind.REFERRAL_RECEIVED).exists()
    assert officer.post(f"/api/v1/referrals/{uuid}/accept/", {"version": Referral.objects.system().get(uuid=uuid).version},
                        format="json").status_code == 200
    assert sees(world.officer, refused)


def test_the_requester_cannot_approve_and_a_case_worker_cannot_either(world):
    """Two people: the approver is a supervisor of the competent authority and not the one who asked."""
    requester = world.ca_supervisor  # the Main Department's own case, asked for by one of its supervisors
    own_case = world.open_case(actor=requester)
    referral = services.create_referral(actor=requester, case=own_case, data=referral_data(
        world.ngo, purpose=Purpose.REFERRAL, **legal_basis_data()))
    use = referral.legal_basis_use
    with pytest.raises(ValidationError, match="two people"):
        approve_legal_basis(actor=requester, use=use, expected_version=use.version)
    with pytest.raises(NotAllowed):
        approve_legal_basis(actor=world.worker, use=use, expected_version=use.version)  # an ordinary case worker
    with pytest.raises(NotAllowed):
        approve_legal_basis(actor=world.officer, use=use, expected_version=use.version)  # an identification officer, not a supervisor
    elsewhere = make_user("ngo.supervisor", world.ngo2, Role.SUPERVISOR)
    with pytest.raises(NotAllowed):
        approve_legal_basis(actor=elsewhere, use=use, expected_version=use.version)  # a supervisor, but not of the competent authority
    use.refresh_from_db()
    assert use.status == OrderStatus.PENDING and not sees(world.worker, own_case)
    approve_legal_basis(actor=world.ca_supervisor2, use=use, expected_version=use.version)
    use.refresh_from_db()
    assert use.status == OrderStatus.APPROVED and use.decided_by == world.ca_supervisor2
    event = AuditEvent.objects.get(action="consent.legal_basis_approve")
    assert event.actor_id == world.ca_supervisor2.pk and event.details["requested_by"] == str(requester.uuid)


def test_the_requester_cannot_approve_through_the_page_or_the_api(world, api, client):
    requester = world.ca_supervisor
    own_case = world.open_case(actor=requester)
    referral = services.create_referral(actor=requester, case=own_case, data=referral_data(
        world.ngo, purpose=Purpose.REFERRAL, **legal_basis_data()))
    use = referral.legal_basis_use
    response = api(requester).post(f"/api/v1/legal-basis-orders/{use.uuid}/approve/", {"version": use.version},
                                   format="json")
    assert response.status_code == 400
    assert api(world.worker).post(f"/api/v1/legal-basis-orders/{use.uuid}/approve/", {"version": use.version},
                                  format="json").status_code == 404
    verified_login(client, requester)
    client.post(reverse("consent:order_approve", args=[use.uuid]), {"version": use.version})
    use.refresh_from_db()
    assert use.status == OrderStatus.PENDING


def test_only_the_sections_the_decision_names_are_shared(world, refused):
    # Sharing more than the decision names is refused with a sentence naming the sections.
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=refused, data=referral_data(
            world.main_department, purpose=Purpose.LAW_ENFORCEMENT,
            shared_sections=["identity", "contacts", "narrative"], **legal_basis_data(sections=["identity"])))
    assert "shared_sections" in error.value.error_dict
    referral = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, shared_sections=["identity", "narrative"],
        **legal_basis_data(sections=["identity", "narrative"])))
    approve_legal_basis(actor=world.ca_supervisor, use=referral.legal_basis_use, expected_version=referral.legal_basis_use.version)
    referral.refresh_from_db()
    services.accept_referral(actor=world.officer, referral=referral, expected_version=referral.version)
    assert selectors.shared_sections(world.officer, refused) == {"identity", "narrative"}
    assert not policy.can_see_section(world.officer, refused, "contacts")
    # Even a referral row widened behind the service's back shares no more than the decision names.
    Referral.objects.system().filter(pk=referral.pk).update(shared_sections=["identity", "contacts", "narrative"])
    assert selectors.shared_sections(world.officer, refused) == {"identity", "narrative"}


def test_rejection_with_a_reason_shares_nothing_and_tells_the_owner(world, refused):
    referral = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, **legal_basis_data()))
    with pytest.raises(ValidationError):
        reject_legal_basis(actor=world.ca_supervisor, use=referral.legal_basis_use, reason=" ", expected_version=referral.legal_basis_use.version)
    reject_legal_basis(actor=world.ca_supervisor, use=referral.legal_basis_use,
                       reason="The copy is not signed by the court.", expected_version=referral.legal_basis_use.version)
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED and referral.legal_basis_use.status == OrderStatus.REJECTED
    with pytest.raises(ValidationError):
        approve_legal_basis(actor=world.ca_supervisor2, use=referral.legal_basis_use, expected_version=referral.legal_basis_use.version)
    assert not sees(world.officer, refused)
    assert Notification.objects.filter(user=world.worker, kind=NotificationKind.LEGAL_BASIS_REJECTED).exists()
    assert not Notification.objects.filter(user=world.officer).exists()


def test_the_owner_is_notified_and_the_refusal_stays_on_the_case(world, client, refused):
    referral = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, **legal_basis_data()))
    assert Notification.objects.filter(user=world.ca_supervisor, kind=NotificationKind.LEGAL_BASIS_REQUESTED).exists()
    approve_legal_basis(actor=world.ca_supervisor, use=referral.legal_basis_use, expected_version=referral.legal_basis_use.version)
    assert Notification.objects.filter(user=world.worker, kind=NotificationKind.LEGAL_BASIS_APPROVED).exists()
    verified_login(client, world.worker)
    page = client.get(reverse("cases:detail", args=[refused.uuid])).content.decode()
    assert 'data-state="refused"' in page and 'data-testid="refusal-kept"' in page
    assert referral.legal_basis_use.consent_state == "refused"


def test_the_approver_reads_the_decision_and_its_copy_audited(world, client, refused):
    referral = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, **legal_basis_data()))
    use = referral.legal_basis_use
    verified_login(client, world.ca_supervisor)
    assert refused.reference in client.get(reverse("consent:orders") + "?status=pending").content.decode()
    page = client.get(reverse("consent:order", args=[use.uuid])).content.decode()
    assert "2-1/55" in page and 'data-testid="approve"' in page and 'data-testid="nav-legal-bases"' in page
    assert client.get(reverse("consent:order_copy", args=[use.uuid])).content == PNG
    assert AuditEvent.objects.filter(action="consent.legal_basis_copy.view", actor_id=world.ca_supervisor.pk).exists()
    with open(use.order_copy.storage.path(use.order_copy.name), "rb") as fh:
        stored = fh.read()
    # encrypted at rest, under the data key of the case's person (nicat.privacy.storage)
    assert stored.startswith(b"NICATF2\n" + refused.person.data_key_id.encode()) and PNG not in stored
    response = client.post(reverse("consent:order_approve", args=[use.uuid]), {"version": use.version})
    assert response.status_code == 302
    use.refresh_from_db()
    assert use.status == OrderStatus.APPROVED
    # Another institution's staff find no such decision.
    client.logout()
    verified_login(client, world.worker2)
    assert client.get(reverse("consent:order", args=[use.uuid])).status_code == 404


def test_nothing_reaches_the_receiving_side_before_approval_not_even_a_notice(world, refused):
    """Cancelling or letting a referral on a pending legal basis run late tells the receiver nothing."""
    first = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, **legal_basis_data()))
    Referral.objects.system().filter(pk=first.pk).update(deadline_at=timezone.now() - timezone.timedelta(hours=1))
    assert services.flag_overdue() == 1
    services.cancel_referral(actor=world.worker, referral=first, reason="Sent by mistake.", expected_version=first.version)
    assert not Notification.objects.filter(user=world.officer).exists()
    assert Notification.objects.filter(user=world.worker, kind=NotificationKind.REFERRAL_OVERDUE).exists()


def test_the_api_reads_of_orders_are_audited_and_an_outsider_reads_nothing(world, api, refused):
    """The orders' API reads through `consent.selectors.ORDERS`: the list names the orders and the cases it showed, a read
    is `consent.legal_basis.view` on the order's case; another NGO's worker gets 404 on every door and leaves
    no read event."""
    referral = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, **legal_basis_data()))
    use = referral.legal_basis_use
    owner = api(world.worker)
    listed = owner.get("/api/v1/legal-basis-orders/?status=approved")
    assert listed.status_code == 200 and listed.json()["results"] == []
    listed = owner.get("/api/v1/legal-basis-orders/")
    assert [row["uuid"] for row in listed.json()["results"]] == [str(use.uuid)]
    event = AuditEvent.objects.filter(action="consent.legal_basis.list").latest("sequence")
    assert event.actor_id == world.worker.pk and event.details == {"channel": "api", "shown": [str(use.uuid)],
                                                                   "cases": [str(refused.uuid)]}
    # One order by its id, whatever the list's filter says.
    assert owner.get(f"/api/v1/legal-basis-orders/{use.uuid}/?status=approved").status_code == 200
    event = AuditEvent.objects.filter(action="consent.legal_basis.view").latest("sequence")
    assert event.details == {"channel": "api"} and event.case_uuid == str(refused.uuid)
    assert event.object_id == str(use.uuid)
    views = AuditEvent.objects.filter(action="consent.legal_basis.view").count()
    outsider = api(world.worker2)
    assert outsider.get("/api/v1/legal-basis-orders/").json()["results"] == []
    for door in ("", "copy/"):
        assert outsider.get(f"/api/v1/legal-basis-orders/{use.uuid}/{door}").status_code == 404
    assert outsider.post(f"/api/v1/legal-basis-orders/{use.uuid}/approve/", {"version": use.version},
                         format="json").status_code == 404
    assert outsider.post(f"/api/v1/legal-basis-orders/{use.uuid}/reject/", {"version": use.version, "reason": "No."},
                         format="json").status_code == 404
    assert outsider.get("/api/v1/legal-basis-orders/not-a-uuid/").status_code == 404
    assert AuditEvent.objects.filter(action="consent.legal_basis.view").count() == views
    assert not AuditEvent.objects.filter(action="consent.legal_basis_copy.view", actor_id=world.worker2.pk).exists()
    use.refresh_from_db()
    assert use.status == OrderStatus.PENDING


def test_the_page_of_an_order_is_a_read_of_the_case_in_its_trail(world, client, refused):
    """Law 3: the order's page shows the decision and its written reason (the court's, about the person), so
    opening it is `consent.legal_basis.view` on the order's case (channel "page"), as its API read is; an
    outsider's 404 leaves no read."""
    referral = services.create_referral(actor=world.worker, case=refused, data=referral_data(
        world.main_department, purpose=Purpose.LAW_ENFORCEMENT, **legal_basis_data()))
    use = referral.legal_basis_use
    verified_login(client, world.ca_supervisor)
    before = AuditEvent.objects.filter(action="consent.legal_basis.view").count()
    page = client.get(reverse("consent:order", args=[use.uuid]))
    assert page.status_code == 200 and "2-1/55" in page.content.decode()
    events = list(AuditEvent.objects.filter(action="consent.legal_basis.view").order_by("sequence"))[before:]
    assert len(events) == 1 and events[0].actor_id == world.ca_supervisor.pk
    assert events[0].case_uuid == str(refused.uuid) and events[0].object_id == str(use.uuid)
    assert events[0].details == {"channel": "page"}
    client.logout()
    verified_login(client, world.worker2)
    assert client.get(reverse("consent:order", args=[use.uuid])).status_code == 404
    assert AuditEvent.objects.filter(action="consent.legal_basis.view").count() == before + 1
