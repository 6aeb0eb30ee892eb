"""Issue 11, item 4: the competent-authority flag (the power to decide who is a victim) and every
other change to the directory are audited; the admin writes through nicat.directory.services."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.core.errors import NotAllowed
from nicat.directory import services
from tests.support.world import verified_login


def test_setting_the_competent_authority_in_the_admin_is_its_own_audited_event(client, cast):
    verified_login(client, cast.admin)
    url = reverse("admin:directory_institution_change", args=[cast.ngo.pk])
    data = {"code": cast.ngo.code, "name_az": cast.ngo.name_az, "kind": cast.ngo.kind_id,
            "is_nonprofit": "on", "is_competent_authority": "on", "active": "on",
            "services-TOTAL_FORMS": "0", "services-INITIAL_FORMS": "0", "_save": "Save"}
    response = client.post(url, data)
    assert response.status_code == 302
    cast.ngo.refresh_from_db()
    assert cast.ngo.is_competent_authority
    event = AuditEvent.objects.get(action="institution.competent_authority")
    assert event.actor == cast.admin and event.changes == {"is_competent_authority": [False, True]}
    assert event.object_id == str(cast.ngo.uuid) and event.details["other_competent_authorities"] == ["main-department"]
    assert AuditEvent.objects.filter(action="institution.update", object_id=str(cast.ngo.uuid)).exists()


def test_withdrawing_it_is_audited_too(cast):
    services.set_competent_authority(actor=cast.admin, institution=cast.main_department, value=False)
    cast.main_department.refresh_from_db()
    assert not cast.main_department.is_competent_authority
    event = AuditEvent.objects.get(action="institution.competent_authority")
    assert event.changes == {"is_competent_authority": [True, False]}


def test_only_an_administrator_sets_it(cast):
    with pytest.raises(NotAllowed):
        services.set_competent_authority(actor=cast.officer, institution=cast.ngo, value=True)
    cast.ngo.refresh_from_db()
    assert not cast.ngo.is_competent_authority
    assert not AuditEvent.objects.filter(action="institution.competent_authority").exists()


def test_an_institution_is_never_deleted_in_the_admin(client, cast):
    verified_login(client, cast.admin)
    response = client.post(reverse("admin:directory_institution_delete", args=[cast.ngo2.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert type(cast.ngo2).objects.filter(pk=cast.ngo2.pk).exists()
