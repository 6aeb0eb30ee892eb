"""The service log: what, by whom, when, for how long — free, and only from authorised providers."""
import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.assistance import services
from nicat.assistance.models import AuthorisedStateBody, ServiceDelivery
from nicat.audit.models import AuditEvent


def _when():
    return timezone.now() - datetime.timedelta(hours=2)


def _before():
    """When the person consented: before the service dated `_when()` (the consent must be in force then)."""
    return timezone.now() - datetime.timedelta(days=1)


def test_a_service_is_logged_with_what_who_when_and_how_long(world):
    case = world.adult()
    world.consent(case, "service", service="psychological", given_at=_before())
    item = services.record_service(actor=world.cast.worker, case=case, kind="psychological", provider=world.cast.ngo,
                                   delivered_at=_when(), duration_minutes=50, description="First session",
                                   staff_name="Dr. Əliyeva")
    assert item.duration_minutes == 50 and item.provider == world.cast.ngo
    event = AuditEvent.objects.get(action="service.record")
    assert "Əliyeva" not in str(event.changes) and "First session" not in str(event.changes)


def test_no_price_fee_or_cost_anywhere():
    """Every service is free: no model of the assistance app has a price, fee, cost or charge field."""
    forbidden = ("price", "fee", "cost", "charge", "tariff")
    for model in apps.get_app_config("assistance").get_models():
        for field in model._meta.get_fields():
            assert not any(word in field.name.lower() for word in forbidden), (model, field.name)


def test_a_private_business_is_refused_with_a_clear_message(world):
    case = world.adult()
    world.consent(case, "service", service="medical")
    with pytest.raises(ValidationError) as excinfo:
        services.record_service(actor=world.cast.worker, case=case, kind="medical", provider=world.business,
                                delivered_at=_when(), duration_minutes=30)
    message = " ".join(excinfo.value.message_dict["provider"])
    assert "private businesses may not provide paid services" in message
    assert not ServiceDelivery.objects.system().exists()


def test_a_state_body_provides_within_its_functions_only(world):
    case = world.adult()
    world.consent(case, "service", service="medical", given_at=_before())
    world.consent(case, "service", service="legal", given_at=_before())
    AuthorisedStateBody.objects.create(institution=world.hospital, service_kinds=["medical"],
                                       legal_basis="Law No. 958-IIQ, Art. 16")
    assert services.record_service(actor=world.cast.worker, case=case, kind="medical", provider=world.hospital,
                                   delivered_at=_when(), duration_minutes=30)
    with pytest.raises(ValidationError):
        services.record_service(actor=world.cast.worker, case=case, kind="legal", provider=world.hospital,
                                delivered_at=_when(), duration_minutes=30)


def test_shelter_accommodation_only_from_a_special_institution(world):
    case = world.adult()
    world.consent(case, "service", service="shelter", given_at=_before())
    with pytest.raises(ValidationError) as excinfo:
        services.record_service(actor=world.cast.worker, case=case, kind="shelter", provider=world.cast.ngo,
                                delivered_at=_when(), duration_minutes=60)
    assert "special institutions" in " ".join(excinfo.value.message_dict["provider"])
    assert services.record_service(actor=world.cast.worker, case=case, kind="shelter",
                                   provider=world.shelter_institution, delivered_at=_when(), duration_minutes=60)


def test_a_service_needs_the_persons_consent(world):
    case = world.adult()
    with pytest.raises(ValidationError) as excinfo:
        services.record_service(actor=world.cast.worker, case=case, kind="legal", provider=world.cast.ngo,
                                delivered_at=_when(), duration_minutes=30)
    assert "consent" in excinfo.value.message_dict


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, "abc"])
def test_bad_duration_says_what_to_fix(world, minutes):
    case = world.adult()
    with pytest.raises(ValidationError) as excinfo:
        services.record_service(actor=world.cast.worker, case=case, kind="legal", provider=world.cast.ngo,
                                delivered_at=_when(), duration_minutes=minutes)
    assert "duration_minutes" in excinfo.value.message_dict


def test_future_services_are_not_logged(world):
    case = world.adult()
    world.consent(case, "service", service="legal")
    with pytest.raises(ValidationError) as excinfo:
        services.record_service(actor=world.cast.worker, case=case, kind="legal", provider=world.cast.ngo,
                                delivered_at=timezone.now() + datetime.timedelta(days=2), duration_minutes=30)
    assert "delivered_at" in excinfo.value.message_dict
