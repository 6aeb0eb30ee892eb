"""A receiving institution sees only the consents that concern it, and still records any withdrawal the person
expresses to it.

The attack: the clinic that received the NGO's referral listed the case's consents (page and API) and learned
that the person agreed to share her case with the police and to notify the embassy of Uzbekistan — facts she
shared with others, not with the clinic. Now a receiver sees the consents given for its institution, those it
recorded, and the general ones its work may depend on (a service, a return, contacting the family); the rest
answer 404. "The person withdraws every consent" withdraws them all, those not shown included, and tells the
owner (nicat.consent.selectors.concerning, services.withdraw_all_consents)."""
import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Consent, Purpose
from nicat.referrals import services as referrals
from nicat.referrals.models import Notification, NotificationKind, Status
from tests.support.referrals import consent, referral_data
from tests.support.world import make_institution, make_user, verified_login


@pytest.fixture
def w(world):
    """The NGO's case, referred to a clinic (accepted); the person also consented to the police, to notifying
    the embassy, and to a referral to the shelter; and, generally, to psychological help."""
    world.clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    world.doctor = make_user("doctor", world.clinic, Role.MEDICAL_STAFF)
    world.case = world.open_case()
    world.clinic_consent = consent(world.worker, world.case, Purpose.REFERRAL, world.clinic)
    world.police_consent = consent(world.worker, world.case, Purpose.LAW_ENFORCEMENT)
    world.embassy_consent = consent(world.worker, world.case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    world.shelter_consent = consent(world.worker, world.case, Purpose.REFERRAL, world.shelter)
    world.service_consent = consent(world.worker, world.case, Purpose.SERVICE, service="psychological")
    world.referral = referrals.create_referral(actor=world.worker, case=world.case,
                                               data=referral_data(world.clinic))
    referrals.accept_referral(actor=world.doctor, referral=world.referral, expected_version=world.referral.version)
    return world


HIDDEN = ("police_consent", "embassy_consent", "shelter_consent")


def test_the_receivers_list_shows_only_the_consents_that_concern_it_api(w, api):
    doctor = api(w.doctor)
    r = doctor.get("/api/v1/consents/", {"case": str(w.case.uuid)})
    assert r.status_code == 200
    shown = {row["uuid"] for row in r.json()["results"]}
    assert shown == {str(w.clinic_consent.uuid), str(w.service_consent.uuid)}
    text = r.content.decode()
    assert str(w.embassy_uz.uuid) not in text and str(w.shelter.uuid) not in text
    assert "law_enforcement" not in text and "consular_notification" not in text
    for name in HIDDEN:
        hidden = getattr(w, name)
        assert doctor.get(f"/api/v1/consents/{hidden.uuid}/").status_code == 404
        r = doctor.post(f"/api/v1/consents/{hidden.uuid}/withdraw/", {
            "expressed_by_person": True, "note": "Said so."}, format="json")
        assert r.status_code == 404
    # The owner still sees every consent.
    r = api(w.worker).get("/api/v1/consents/", {"case": str(w.case.uuid)})
    assert len(r.json()["results"]) == 5


def test_the_receivers_pages_show_only_the_consents_that_concern_it(w, client):
    verified_login(client, w.doctor)
    page = client.get(reverse("cases:detail", args=[w.case.uuid])).content.decode()
    assert f'data-consent="{w.clinic_consent.uuid}"' in page
    for name in HIDDEN:
        assert f'data-consent="{getattr(w, name).uuid}"' not in page
        assert client.get(reverse("consent:withdraw", args=[getattr(w, name).uuid])).status_code == 404
    assert str(Purpose.LAW_ENFORCEMENT.label) not in page and "Özbəkistan" not in page
    assert 'data-testid="withdraw-all-link"' in page and 'data-testid="consents-concerning"' in page
    # The consent conversation page shows a receiver why it is not theirs, not every purpose's decision.
    conversation = client.get(reverse("consent:conversation", args=[w.case.uuid])).content.decode()
    assert 'data-testid="conversation-refusal"' in conversation
    assert "Özbəkistan" not in conversation and "Dövlət sığınacağı" not in conversation


def test_a_withdrawal_of_every_consent_expressed_to_the_receiver_api(w, api):
    doctor = api(w.doctor)
    r = doctor.post("/api/v1/consents/withdraw-all/", {"case": str(w.case.uuid)}, format="json")
    assert r.status_code == 400 and "expressed_by_person" in r.json()
    assert not Consent.objects.system().filter(case=w.case, withdrawn_at__isnull=False).exists()
    r = doctor.post("/api/v1/consents/withdraw-all/", {
        "case": str(w.case.uuid), "expressed_by_person": True,
        "note": "She told me at the consultation she withdraws everything."}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["withdrawn"] is None  # the number would tell of the consents given to others
    assert not Consent.objects.system().filter(case=w.case, withdrawn_at__isnull=True).exists()
    w.referral.refresh_from_db()
    assert w.referral.status == Status.REVOKED
    assert not Case.objects.visible_to(w.doctor).filter(pk=w.case.pk).exists()
    assert Notification.objects.filter(user=w.worker, kind=NotificationKind.CONSENT_WITHDRAWN).count() == 1
    event = AuditEvent.objects.get(action="consent.withdraw_all")
    assert event.details["withdrawn"] == 5 and event.details["expressed_by_person"] is True
    assert AuditEvent.objects.filter(action="consent.withdraw").count() == 5


def test_a_withdrawal_of_every_consent_on_the_receivers_page(w, client):
    verified_login(client, w.doctor)
    url = reverse("consent:withdraw_all", args=[w.case.uuid])
    page = client.get(url).content.decode()
    assert 'data-testid="withdraw-elsewhere"' in page and "Özbəkistan" not in page
    assert client.post(url, {"note": "She said so."}).status_code == 400
    assert not Consent.objects.system().filter(case=w.case, withdrawn_at__isnull=False).exists()
    response = client.post(url, {"note": "She said so on the phone.", "expressed_by_person": "on"})
    assert response.status_code == 302
    w.embassy_consent.refresh_from_db()
    w.police_consent.refresh_from_db()
    assert w.embassy_consent.withdrawn_at is not None and w.police_consent.withdrawn_at is not None


def test_an_institution_that_does_not_see_the_case_cannot_withdraw_everything(w, api):
    r = api(w.centre_worker).post("/api/v1/consents/withdraw-all/", {
        "case": str(w.case.uuid), "expressed_by_person": True, "note": "Pretends."}, format="json")
    assert r.status_code == 404
    assert not Consent.objects.system().filter(case=w.case, withdrawn_at__isnull=False).exists()


def test_the_owner_withdraws_every_consent_at_once_and_is_told_how_many(w, api):
    r = api(w.worker).post("/api/v1/consents/withdraw-all/", {"case": str(w.case.uuid),
                                                              "note": "Left the programme."}, format="json")
    assert r.status_code == 200 and r.json()["withdrawn"] == 5


def test_every_consent_withdrawn_with_a_double_click_is_one_withdrawal(w, client):
    """Found by the tenth review: the withdrawal forms carried no one-time token, so the second request of a
    double click recorded a second withdrawal of every consent (an empty one, "0 withdrawn") — and, from a
    receiver, told the owner twice. It is now answered as the first."""
    from tests.support.submissions import ALREADY_SAVED, post_twice

    client.cookies["nicat_language"] = "en"
    verified_login(client, w.worker)
    url = reverse("consent:withdraw_all", args=[w.case.uuid])
    first, second = post_twice(client, url, url, {"note": "Left the programme."})
    assert first.status_code == 302 and ALREADY_SAVED in second.content.decode()
    assert AuditEvent.objects.filter(action="consent.withdraw_all").count() == 1
