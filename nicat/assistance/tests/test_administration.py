"""Administrators register facilities (special institutions only, no address) and state bodies — on
pages of their own, not in the Django admin (which never shows anything encrypted)."""
import pytest
from django.urls import reverse

from nicat.assistance.models import AuthorisedStateBody, Facility
from nicat.audit.models import AuditEvent
from tests.support.world import make_institution


def test_administrator_registers_a_facility(world, client):
    centre = make_institution("centre-two", "assistance_centre", is_special_institution=True)
    client.force_login(world.cast.admin)
    response = client.post(reverse("assistance:facility_register"), {
        "institution": centre.pk, "kind": "assistance_centre", "women": "4", "men": "0", "children": "2"})
    facility = Facility.objects.get(institution=centre)
    assert response.status_code == 302 and response.url == reverse("assistance:facility", args=[facility.uuid])
    assert {c.group: c.beds for c in facility.capacity.all()} == {"women": 4, "men": 0, "children": 2}
    assert AuditEvent.objects.filter(action="facility.register", object_id=str(facility.uuid)).exists()


def test_a_business_cannot_be_registered_as_a_facility(world, client):
    client.force_login(world.cast.admin)
    response = client.post(reverse("assistance:facility_register"), {
        "institution": world.business.pk, "kind": "shelter", "women": "4", "men": "0", "children": "0"})
    assert response.status_code == 400 and not Facility.objects.filter(institution=world.business).exists()


def test_administrator_records_a_state_body(world, client):
    client.force_login(world.cast.admin)
    response = client.post(reverse("assistance:state_bodies"), {
        "institution": world.hospital.pk, "service_kinds": ["medical", "psychological"],
        "legal_basis": "Law 958-IIQ", "active": "on"})
    assert response.status_code == 302
    assert AuthorisedStateBody.objects.get().service_kinds == ["medical", "psychological"]
    assert AuditEvent.objects.filter(action="state_body.save").exists()


@pytest.mark.parametrize("name", ["facility_register", "state_bodies"])
def test_only_administrators(world, client, name):
    client.force_login(world.cast.worker)
    assert client.get(reverse(f"assistance:{name}")).status_code == 403
