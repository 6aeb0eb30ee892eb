"""The person withdraws a consent not listed to the receiver (law 4: revocable, and the receiver must not learn of
consents given to others). Before, a receiver's only way to pass this on was "withdraw every consent". Now it
records her expressed wish with a note (sealed): nothing is withdrawn, the owner institution is notified and has a
work item to act on it, and the receiver learns nothing of the other consents. Attacked as another receiver, a
break-glass reader and an analyst: none reads or acts on the wish; only the owner resolves it."""
import pytest
from django.urls import reverse

from nicat.access.services import open_break_glass
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.consent.models import Purpose, WithdrawalWish
from nicat.consent.services import consent_is_valid
from nicat.referrals import services as referrals
from nicat.referrals.models import Notification, NotificationKind
from nicat.work.selectors import work_list
from tests.support.referrals import consent, referral_data
from tests.support.world import make_institution, make_user, verified_login

pytestmark = pytest.mark.django_db
NOTE = "She told the doctor on 3 May she no longer wants the police to have her case."


@pytest.fixture
def w(world):
    world.clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    world.doctor = make_user("doctor", world.clinic, Role.MEDICAL_STAFF)
    world.case = world.open_case()
    consent(world.worker, world.case, Purpose.REFERRAL, world.clinic)
    consent(world.worker, world.case, Purpose.REFERRAL, world.shelter)
    world.police_consent = consent(world.worker, world.case, Purpose.LAW_ENFORCEMENT)
    for to, staff in ((world.clinic, world.doctor), (world.shelter, world.shelter_staff)):
        r = referrals.create_referral(actor=world.worker, case=world.case, data=referral_data(to))
        referrals.accept_referral(actor=staff, referral=r, expected_version=r.version)
    return world


def test_the_receiver_records_the_wish_on_the_page_nothing_is_withdrawn_and_the_owner_has_work(client, w):
    verified_login(client, w.doctor)
    case_page = client.get(reverse("cases:detail", args=[w.case.uuid])).content.decode()
    assert 'data-testid="withdrawal-wish-link"' in case_page
    url = reverse("consent:withdrawal_wish", args=[w.case.uuid])
    assert client.get(url).status_code == 200
    response = client.post(url, {"note": NOTE})
    assert response.status_code == 302, response.content.decode()[:1500]
    wish = WithdrawalWish.objects.system().get(case=w.case)
    assert wish.note == NOTE and wish.recorded_by_institution == w.clinic and wish.handled_at is None
    # Nothing withdrawn: the consent to the police is the owner's to withdraw.
    assert consent_is_valid(case=w.case, purpose=Purpose.LAW_ENFORCEMENT)
    assert Notification.objects.filter(user=w.worker, kind=NotificationKind.CONSENT_WITHDRAWAL_WISH).exists()
    assert [i for i in work_list(user=w.worker, window="all") if i.kind == "consent_withdrawal_wish"]
    assert not [i for i in work_list(user=w.doctor, window="all") if i.kind == "consent_withdrawal_wish"]
    # The receiver learns nothing of the other consents: its list of wishes names none.
    page = client.get(reverse("consent:wishes", args=[w.case.uuid])).content.decode()
    assert NOTE in page and "Sharing with law enforcement" not in page
    assert AuditEvent.objects.filter(action="consent.withdrawal_wish", case_uuid=str(w.case.uuid)).exists()


def test_the_owner_acts_on_it_page_and_the_others_neither_read_nor_resolve_it(client, api, w):
    r = api(w.doctor).post("/api/v1/consent-withdrawal-wishes/", {"case": str(w.case.uuid), "note": NOTE},
                           format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["handled_at"] is None and body["handling_note"] is None
    # Another receiver of the same case, a break-glass reader, an analyst: no list entry, 404 one by one.
    open_break_glass(actor=w.ca_supervisor, case_reference=w.case.reference,
                     reason="The person is missing and the police ask where she was last placed.")
    for outsider in (w.shelter_staff, w.ca_supervisor, w.analyst):
        client_api = api(outsider)
        listed = client_api.get("/api/v1/consent-withdrawal-wishes/", {"case": str(w.case.uuid)})
        assert listed.status_code in (200, 403, 404) and NOTE not in listed.content.decode(), listed.content
        assert body["uuid"] not in listed.content.decode()
        assert client_api.get(f"/api/v1/consent-withdrawal-wishes/{body['uuid']}/").status_code in (403, 404)
        assert client_api.post(f"/api/v1/consent-withdrawal-wishes/{body['uuid']}/resolve/",
                               {"note": "Done.", "version": body["version"]}, format="json").status_code in (403, 404)
    verified_login(client, w.shelter_staff)
    assert NOTE not in client.get(reverse("consent:wishes", args=[w.case.uuid])).content.decode()
    # The recorder cannot close it.
    assert api(w.doctor).post(f"/api/v1/consent-withdrawal-wishes/{body['uuid']}/resolve/",
                              {"note": "Done.", "version": body["version"]}, format="json").status_code == 404
    # The owner reads it and records what it did; the work item goes.
    owner = api(w.worker)
    assert owner.get(f"/api/v1/consent-withdrawal-wishes/{body['uuid']}/").json()["note"] == NOTE
    r = owner.post(f"/api/v1/consent-withdrawal-wishes/{body['uuid']}/resolve/",
                   {"note": "Withdrew the consent to the police.", "version": body["version"]}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["handled_at"] and r.json()["handling_note"] == "Withdrew the consent to the police."
    assert not [i for i in work_list(user=w.worker, window="all") if i.kind == "consent_withdrawal_wish"]
    # What the owner did is not told to the receiver.
    assert api(w.doctor).get(f"/api/v1/consent-withdrawal-wishes/{body['uuid']}/").json()["handling_note"] is None


def test_the_owner_withdraws_directly_and_a_short_note_is_refused(api, w):
    r = api(w.worker).post("/api/v1/consent-withdrawal-wishes/", {"case": str(w.case.uuid), "note": NOTE},
                           format="json")
    assert r.status_code == 400 and "withdraw the consent the person names directly" in str(r.json())
    r = api(w.doctor).post("/api/v1/consent-withdrawal-wishes/", {"case": str(w.case.uuid), "note": "police"},
                           format="json")
    assert r.status_code == 400 and "at least 10 characters" in str(r.json())
    r = api(w.analyst).post("/api/v1/consent-withdrawal-wishes/", {"case": str(w.case.uuid), "note": NOTE},
                            format="json")
    assert r.status_code in (403, 404)
    assert not WithdrawalWish.objects.system().exists()
