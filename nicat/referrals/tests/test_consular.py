"""Both consular flows, end to end.

1. A foreign victim in Azerbaijan: the embassy of their state is notified only with their consent — a
   victim may fear their own state.
2. An Azerbaijani citizen trafficked abroad: a consular officer registers the case, coordinates
   documents, travel and reception on arrival, and refers the person to an assistance centre at home.
"""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.cases.models import Case
from nicat.cases.services import open_case
from nicat.consent.models import Decision, Purpose
from nicat.referrals import selectors, services
from nicat.referrals.models import Notification, NotificationKind, Status
from tests.support.referrals import consent, referral_data
from tests.support.world import PASSWORD, term


def sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def foreign_case(world):
    return world.open_case(person={"given_name": "Dilnoza", "family_name": "Karimova",
                                   "citizenships": [term("country", "UZ")]})


def test_embassy_is_not_notified_without_consent(world):
    case = foreign_case(world)
    data = referral_data(world.embassy_uz, purpose=Purpose.CONSULAR_NOTIFICATION)
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=data)
    assert error.value.error_dict["consent"][0].code == "consent_missing"
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz, decision=Decision.REFUSED)
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=data)
    assert error.value.error_dict["consent"][0].code == "consent_refused"
    # A general referral consent is not a consent to notify the embassy.
    consent(world.worker, case, Purpose.REFERRAL, world.embassy_uz,
            given_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.create_referral(actor=world.worker, case=case, data=data)
    assert not Notification.objects.filter(user=world.uz_consul).exists()
    assert not sees(world.uz_consul, case)


def test_embassy_notified_with_consent_sees_only_identity(world, client):
    case = foreign_case(world)
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    with pytest.raises(ValidationError) as error:  # the purpose does not need what happened
        services.create_referral(actor=world.worker, case=case, data=referral_data(
            world.embassy_uz, purpose=Purpose.CONSULAR_NOTIFICATION, shared_sections=["identity", "narrative"]))
    assert "shared_sections" in error.value.error_dict
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(
        world.embassy_uz, purpose=Purpose.CONSULAR_NOTIFICATION, message="Asks for a new passport."))
    assert Notification.objects.filter(user=world.uz_consul, kind=NotificationKind.REFERRAL_RECEIVED).exists()
    client.login(username="uz.consul", password=PASSWORD)
    page = client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    assert "Asks for a new passport." in page and "Dilnoza" not in page
    assert client.post(reverse("referrals:accept", args=[referral.uuid]), {"version": referral.version}).status_code \
        == 302
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and sees(world.uz_consul, case)
    assert selectors.shared_sections(world.uz_consul, case) == frozenset({"identity"})


def test_embassy_of_another_state_is_refused(world):
    case = world.open_case(person={"citizenships": [term("country", "TJ")]})
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(
            world.embassy_uz, purpose=Purpose.CONSULAR_NOTIFICATION))
    assert "to_institution" in error.value.error_dict


def test_stateless_person_gets_the_same_referrals(world):
    """Statelessness never changes eligibility: the shelter referral works exactly as for a citizen."""
    case = world.open_case(person={"citizenships": [term("country", "XXA")]})
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    assert sees(world.shelter_staff, case)


def test_citizen_trafficked_abroad_returns_home_through_the_consulate(world, client):
    # The consular officer registers the case through the normal intake.
    case = open_case(actor=world.consul, person_data={"given_name": "Günay", "family_name": "Həsənova",
                                                       "birth_date": datetime.date(1993, 7, 1),
                                                       "citizenships": [term("country", "AZ")]},
                     case_data={"came_to_notice": "consulate", "scope": "transnational",
                                "countries_of_exploitation": [term("country", "AE")]})
    assert case.owner_institution == world.consulate and sees(world.consul, case)
    # No return referral without the person's consent to return.
    data = referral_data(world.centre, purpose=Purpose.RETURN, shared_sections=["identity", "return"],
                         service="return")
    with pytest.raises(ValidationError):
        services.create_referral(actor=world.consul, case=case, data=data)
    consent(world.consul, case, Purpose.RETURN)
    referral = services.create_referral(actor=world.consul, case=case, data=data)
    # Documents and travel, planned by the consulate.
    arrival = timezone.now() + datetime.timedelta(days=3)
    services.save_return_plan(actor=world.consul, referral=referral, data={
        "documents": "requested", "travel_date": timezone.localdate() + datetime.timedelta(days=3)})
    plan = services.save_return_plan(actor=world.consul, referral=referral, data={
        "documents": "issued", "arrival_at": arrival, "arrival_point": "Heydar Aliyev airport, terminal 1",
        "travel_details": "Flight J2 012, escorted by IOM"}, expected_version=1)
    assert plan.documents == "issued" and plan.version == 2
    assert Notification.objects.filter(user=world.centre_worker, kind=NotificationKind.RETURN_PLANNED).count() == 2
    with pytest.raises(ValidationError):  # reception before acceptance
        services.record_arrival(actor=world.centre_worker, referral=referral)
    # The centre accepts, meets the person on arrival, and works with them.
    services.accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
    assert sees(world.centre_worker, case)
    client.login(username="centre.worker", password=PASSWORD)
    response = client.post(reverse("referrals:arrival", args=[referral.uuid]), {
        "arrived_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "note": "Met at the gate by two staff."})
    assert response.status_code == 302
    plan.refresh_from_db()
    referral.refresh_from_db()
    assert plan.arrived_at and plan.reception_note == "Met at the gate by two staff."
    assert referral.status == Status.IN_PROGRESS
    assert Notification.objects.filter(user=world.consul, kind=NotificationKind.PERSON_ARRIVED).exists()
    services.complete_referral(actor=world.centre_worker, referral=referral, text="Reintegration plan started.",
                               expected_version=referral.version)
    assert not sees(world.centre_worker, case)
    assert sees(world.consul, case)


def test_only_the_sender_plans_the_return(world):
    case = open_case(actor=world.consul, person_data={"given_name": "Nigar", "birth_date": datetime.date(1993, 7, 1)},
                     case_data={})
    consent(world.consul, case, Purpose.RETURN)
    referral = services.create_referral(actor=world.consul, case=case, data=referral_data(
        world.centre, purpose=Purpose.RETURN, shared_sections=["identity", "return"]))
    from nicat.core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.save_return_plan(actor=world.centre_worker, referral=referral, data={"documents": "issued"})
    with pytest.raises(ValidationError) as error:
        services.save_return_plan(actor=world.consul, referral=referral, data={
            "travel_date": timezone.localdate(), "arrival_at": timezone.now() - datetime.timedelta(days=2)})
    assert "arrival_at" in error.value.error_dict


def test_azerbaijans_missions_abroad_are_notified_only_of_azerbaijani_citizens(world, api):
    """The directory's embassies and consulates abroad (nicat/public/data/embassies.yaml, the demo's consulate in
    Dubai) name the country they stand in, as the public page shows it ("Embassy … · Türkiye"); the consular
    notification read it as the state the mission represents. A Turkish woman's identity and contacts were
    "notified to her embassy" at Azerbaijan's embassy in Ankara (201), and an Azerbaijani citizen's notification to
    her own consulate in Istanbul was refused as "This embassy represents Türkiye"."""
    from nicat.directory.models import Institution
    from nicat.public.embassies import load_embassies

    load_embassies(actor=world.admin)
    ankara = Institution.objects.get(code="az-embassy-tr-ankara")
    istanbul = Institution.objects.get(code="az-consulate-tr-istanbul")
    turkish = world.open_case(person={"given_name": "Elif", "citizenships": [term("country", "TR")]})
    consent(world.worker, turkish, Purpose.CONSULAR_NOTIFICATION, ankara)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(turkish.uuid), "to_institution": str(ankara.uuid), "purpose": Purpose.CONSULAR_NOTIFICATION,
        "shared_sections": ["identity", "contacts"]}, format="json")
    assert r.status_code == 400 and "to_institution" in r.json(), r.json()
    citizen = world.open_case(person={"given_name": "Leyla", "citizenships": [term("country", "AZ")]})
    consent(world.worker, citizen, Purpose.CONSULAR_NOTIFICATION, istanbul)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(citizen.uuid), "to_institution": str(istanbul.uuid), "purpose": Purpose.CONSULAR_NOTIFICATION,
        "shared_sections": ["identity"]}, format="json")
    assert r.status_code == 201, r.json()
    # A foreign state's embassy in Baku still represents its own state.
    uzbek = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    consent(world.worker, uzbek, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    assert api(world.worker).post("/api/v1/referrals/", {
        "case": str(uzbek.uuid), "to_institution": str(world.embassy_uz.uuid),
        "purpose": Purpose.CONSULAR_NOTIFICATION, "shared_sections": ["identity"]}, format="json").status_code == 201


def test_the_home_state_is_a_setting_not_a_constant(world, api, settings):
    """Nicat serves any country's referral mechanism: with NICAT_HOME_STATE naming Uzbekistan, the missions in the
    region "abroad" are Uzbekistan's (an Uzbek citizen is notified to them, an Azerbaijani is not), and an Uzbek
    citizen is a citizen in the identification rules while an Azerbaijani is a foreigner."""
    from nicat.directory.models import Institution
    from nicat.identification.services import citizenship_status
    from nicat.public.embassies import load_embassies

    settings.NICAT_HOME_STATE = "UZ"
    load_embassies(actor=world.admin)
    istanbul = Institution.objects.get(code="az-consulate-tr-istanbul")
    uzbek = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    azerbaijani = world.open_case(person={"given_name": "Leyla", "citizenships": [term("country", "AZ")]})
    assert citizenship_status(uzbek.person) == "citizen"
    assert citizenship_status(azerbaijani.person) == "foreign"
    for case, expected in ((uzbek, 201), (azerbaijani, 400)):
        consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, istanbul)
        r = api(world.worker).post("/api/v1/referrals/", {
            "case": str(case.uuid), "to_institution": str(istanbul.uuid), "purpose": Purpose.CONSULAR_NOTIFICATION,
            "shared_sections": ["identity"]}, format="json")
        assert r.status_code == expected, r.json()
