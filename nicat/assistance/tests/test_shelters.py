"""Shelters: admission with consent and capacity, child placement, transfer, extension, discharge,
the waiting list, the confidential address, and the access a stay gives."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nicat.assistance import services
from nicat.assistance.models import EndKind, Facility, Group, Stay, WaitingStatus
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.core.errors import NotAllowed


def _error(excinfo, field):
    return " ".join(excinfo.value.message_dict[field])


def test_referred_person_is_admitted_with_consent_and_audited(world):
    case = world.adult()
    world.refer_to_shelter(case)
    stay = services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    assert stay.is_active and stay.group == "women"
    assert stay.planned_end == timezone.localdate() + datetime.timedelta(days=30)
    event = AuditEvent.objects.filter(action="stay.admit").get()
    assert event.case_reference == case.reference and event.actor_username == "shelter.manager"


def test_admission_without_consent_to_the_shelter_is_refused(world):
    case = world.adult()
    world.refer_to_shelter(case)
    from nicat.consent.models import Consent
    from nicat.consent.services import withdraw_consent

    consent = Consent.objects.system().get(case=case, purpose="service", service="shelter")
    withdraw_consent(actor=world.cast.worker, consent=consent)
    world.cast.worker._nicat_memberships = None
    case = world.fresh(case)
    # The referral was revoked with the consent, so the shelter no longer even sees the case.
    with pytest.raises((ValidationError, NotAllowed)):
        services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    assert not Stay.objects.system().exists()


def test_refusal_recorded_blocks_admission_even_with_access(world):
    """The shelter's own case: it sees it, but the person refused to stay — no admission against her will."""
    from tests.support.world import make_user

    worker = make_user("shelter.worker", world.shelter_institution)
    case = world.adult(actor=worker)
    world.consent(case, "service", service="shelter", institution=world.shelter_institution, actor=worker,
                  decision="refused")
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    assert "refused" in _error(excinfo, "consent")


def test_capacity_is_never_exceeded(world):
    cases = [world.adult() for _ in range(3)]
    for case in cases:
        world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=cases[0], group=Group.WOMEN)
    services.admit(actor=world.manager, facility=world.shelter, case=cases[1], group=Group.WOMEN)
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=cases[2], group=Group.WOMEN)
    assert "waiting list" in _error(excinfo, "group")
    assert Stay.objects.system().filter(ended_at__isnull=True).count() == 2


def test_a_child_is_placed_only_with_children_and_an_adult_never(world):
    child = world.child()
    world.refer_to_shelter(child)
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=child, group=Group.WOMEN)
    assert "child" in _error(excinfo, "group")
    stay = services.admit(actor=world.manager, facility=world.shelter, case=child, group=Group.CHILDREN)
    assert stay.group == "children"

    adult = world.adult()
    world.refer_to_shelter(adult)
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=adult, group=Group.CHILDREN)
    assert "adult" in _error(excinfo, "group")


def test_unknown_age_is_presumed_a_child_for_placement(world):
    """Council of Europe Convention Art. 10(3): placed with children until the age is established."""
    case = world.cast.open_case(person={"birth_date": None})  # no birth date, no estimate
    world.refer_to_shelter(case)
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    assert "presumed to be a child" in _error(excinfo, "group")
    assert services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.CHILDREN)


def test_gender_group_matches(world):
    man = world.adult(gender="masculine")
    world.refer_to_shelter(man)
    with pytest.raises(ValidationError):
        services.admit(actor=world.manager, facility=world.shelter, case=man, group=Group.WOMEN)
    assert services.admit(actor=world.manager, facility=world.shelter, case=man, group=Group.MEN)


def test_only_the_shelters_own_staff_admit(world):
    case = world.adult()
    world.refer_to_shelter(case)
    with pytest.raises(PermissionDenied):
        services.admit(actor=world.cast.worker, facility=world.shelter, case=case, group=Group.WOMEN)


def test_a_case_the_shelter_cannot_see_is_not_admitted(world):
    case = world.adult()  # never referred
    with pytest.raises(NotAllowed):
        services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)


def test_one_open_stay_per_person(world):
    case = world.adult()
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    assert "already staying" in _error(excinfo, "case")


def test_not_a_victim_is_not_admitted_as_victim(world):
    case = world.adult()
    world.refer_to_shelter(case)
    Case.objects.system().filter(pk=case.pk).update(trafficking_status="NotAVictimOfTrafficking")
    with pytest.raises(ValidationError) as excinfo:
        services.admit(actor=world.manager, facility=world.shelter, case=world.fresh(case), group=Group.WOMEN)
    assert "not a victim" in _error(excinfo, "case")


def _set(world, code, value, valid_from):
    from nicat.legal import services as legal

    legal.set_parameter(actor=world.cast.admin, data={"code": code, "value": value, "valid_from": valid_from,
                                                      "legal_act": "Shelter rules (test)"})


def test_stay_is_extended_up_to_the_limit_in_force_when_it_began(world):
    today = timezone.localdate()
    _set(world, "shelter.max_extensions", "1", today)
    _set(world, "shelter.extension_days", "15", today)
    case = world.adult()
    world.refer_to_shelter(case)
    stay = services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    end = stay.planned_end
    services.extend_stay(actor=world.manager, stay=stay, reason="Housing not ready yet",
                         expected_version=stay.version)
    assert stay.planned_end == end + datetime.timedelta(days=15) and stay.extensions == 1
    with pytest.raises(ValidationError) as excinfo:
        services.extend_stay(actor=world.manager, stay=stay, reason="Still not ready", expected_version=stay.version)
    assert "most the rules allow" in _error(excinfo, "reason")


def test_a_new_stay_length_applies_only_to_stays_begun_on_or_after_its_date(world):
    """A stay admitted yesterday keeps the 30 days in force then; a stay admitted today uses the new 10."""
    yesterday = timezone.now() - datetime.timedelta(days=1)
    old_case, new_case = world.adult(), world.adult(given_name="Nərgiz")
    for case in (old_case, new_case):  # consented before yesterday's admission (in force on its date)
        world.refer_to_shelter(case, consented_at=yesterday - datetime.timedelta(hours=1))
    old = services.admit(actor=world.manager, facility=world.shelter, case=old_case, group=Group.WOMEN,
                         admitted_at=yesterday)
    _set(world, "shelter.max_stay_days", "10", timezone.localdate())
    _set(world, "shelter.extension_days", "5", timezone.localdate())
    new = services.admit(actor=world.manager, facility=world.shelter, case=new_case, group=Group.WOMEN)
    assert old.planned_end == timezone.localdate(yesterday) + datetime.timedelta(days=30)
    assert new.planned_end == timezone.localdate() + datetime.timedelta(days=10)
    services.extend_stay(actor=world.manager, stay=old, reason="Housing not ready yet", expected_version=old.version)
    assert old.planned_end == timezone.localdate(yesterday) + datetime.timedelta(days=60)  # the extension of then


def test_discharge_frees_the_place(world):
    case, other = world.adult(), world.adult()
    world.refer_to_shelter(case)
    world.refer_to_shelter(other)
    services.set_capacity(actor=world.manager, facility=world.shelter, group=Group.WOMEN,
                          beds=1, expected_version=1)
    stay = services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    with pytest.raises(ValidationError):
        services.admit(actor=world.manager, facility=world.shelter, case=other, group=Group.WOMEN)
    services.discharge(actor=world.manager, stay=stay, end_kind=EndKind.LEFT_VOLUNTARILY, note="Went to family",
                       expected_version=stay.version)
    assert stay.ended_at is not None and stay.end_kind == "left_voluntarily"
    assert services.admit(actor=world.manager, facility=world.shelter, case=other, group=Group.WOMEN)


def test_stale_version_is_refused(world):
    from nicat.core.errors import ConcurrentEdit

    case = world.adult()
    world.refer_to_shelter(case)
    stay = services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    services.extend_stay(actor=world.manager, stay=stay, reason="Needs time", expected_version=stay.version)
    with pytest.raises(ConcurrentEdit):
        services.discharge(actor=world.manager, stay=stay, end_kind=EndKind.COMPLETED, expected_version=1)


def test_transfer_moves_the_person_and_the_access(world):
    from nicat.accounts.models import Role
    from tests.support.world import make_institution, make_user

    other_inst = make_institution("shelter-two", "shelter", is_special_institution=True)
    other = services.register_facility(actor=world.cast.admin, institution=other_inst, capacity={"women": 1})
    other_staff = make_user("shelter2.staff", other_inst, Role.SHELTER_STAFF)
    case = world.adult()
    world.refer_to_shelter(case)
    stay = services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    assert not Case.objects.visible_to(other_staff).filter(pk=case.pk).exists()
    with pytest.raises(ValidationError) as excinfo:  # no consent to stay at the second shelter yet
        services.transfer(actor=world.manager, stay=stay, to_facility=other, group=Group.WOMEN,
                          expected_version=stay.version)
    assert "consent" in excinfo.value.message_dict
    stay.refresh_from_db()
    assert stay.is_active  # nothing half-written
    world.consent(case, "service", service="shelter", institution=other_inst)
    new = services.transfer(actor=world.manager, stay=stay, to_facility=other, group=Group.WOMEN,
                            expected_version=stay.version)
    stay.refresh_from_db()
    assert stay.end_kind == EndKind.TRANSFERRED and new.transferred_from == stay and new.facility == other
    assert Case.objects.visible_to(other_staff).filter(pk=case.pk).exists()
    services.discharge(actor=other_staff, stay=new, end_kind=EndKind.COMPLETED, expected_version=new.version)
    other_staff._nicat_memberships = None
    assert not Case.objects.visible_to(other_staff).filter(pk=case.pk).exists()


def test_waiting_list_then_admission_closes_the_entry(world):
    first, second, waiting = world.adult(), world.adult(), world.adult()
    for case in (first, second, waiting):
        world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=first, group=Group.WOMEN)
    s2 = services.admit(actor=world.manager, facility=world.shelter, case=second, group=Group.WOMEN)
    entry = services.add_to_waiting_list(actor=world.manager, facility=world.shelter, case=waiting,
                                         group=Group.WOMEN, urgent=True)
    with pytest.raises(ValidationError):
        services.add_to_waiting_list(actor=world.manager, facility=world.shelter, case=waiting, group=Group.WOMEN)
    services.discharge(actor=world.manager, stay=s2, end_kind=EndKind.COMPLETED, expected_version=s2.version)
    services.admit(actor=world.manager, facility=world.shelter, case=waiting, group=Group.WOMEN)
    entry.refresh_from_db()
    assert entry.status == WaitingStatus.ADMITTED


def test_capacity_cannot_drop_below_occupancy(world):
    case = world.adult()
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    with pytest.raises(ValidationError):
        services.set_capacity(actor=world.manager, facility=world.shelter, group=Group.WOMEN,
                              beds=0, expected_version=1)
    row = services.set_capacity(actor=world.manager, facility=world.shelter, group=Group.WOMEN,
                                beds=5, expected_version=1)
    assert row.beds == 5


def test_only_special_institutions_are_registered(world):
    from tests.support.world import make_institution

    business = make_institution("hotel-llc", "other")
    with pytest.raises(ValidationError):
        services.register_facility(actor=world.cast.admin, institution=business)
    with pytest.raises(PermissionDenied):
        services.register_facility(actor=world.cast.worker, institution=world.centre_institution)


def test_address_is_encrypted_and_only_for_own_staff_and_identification_officers(world):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM assistance_facility WHERE id = %s", [world.shelter.pk])
        raw = cursor.fetchone()[0]
    assert "Gizli" not in raw
    facility = Facility.objects.get(pk=world.shelter.pk)
    assert services.read_address(actor=world.manager, facility=facility)["address"] == "Gizli küçə 1"
    assert services.read_address(actor=world.cast.officer, facility=facility)["address"] == "Gizli küçə 1"
    with pytest.raises(PermissionDenied):
        services.read_address(actor=world.cast.worker, facility=facility)
    assert AuditEvent.objects.filter(action="facility.address_view").count() == 2
