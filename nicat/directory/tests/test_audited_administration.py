"""Issue 11, item 4: the competent-authority flag (the power to decide who is a victim) and every
other change to the directory are audited; the admin writes through nicat.directory.services."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.core.errors import NotAllowed
from nicat.core.services import edit_stamp
from nicat.directory import services
from tests.support.world import verified_login


def test_setting_the_competent_authority_in_the_admin_is_its_own_audited_event(client, cast):
    verified_login(client, cast.admin)
    url = reverse("admin:directory_institution_change", args=[cast.ngo.pk])
    data = {"code": cast.ngo.code, "name_az": cast.ngo.name_az, "kind": cast.ngo.kind_id,
            "is_nonprofit": "on", "is_competent_authority": "on", "active": "on",
            "services-TOTAL_FORMS": "0", "services-INITIAL_FORMS": "0", "edit_stamp": edit_stamp(cast.ngo),
            "_save": "Save"}
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


def test_a_stale_institution_form_does_not_undo_another_administrators_change(client, cast):
    """Law 7 in the administration (ninth review): an administrator records that the NGO's registration as a
    non-profit ended (it may then provide no service); another, on the form opened before, saves a new name
    with the flag still ticked. The form comes back saying the institution was changed; the flag stays off."""
    import re

    verified_login(client, cast.admin)
    url = reverse("admin:directory_institution_change", args=[cast.ngo.pk])
    page = client.get(url).content.decode()
    stamp = re.search(r'name="edit_stamp" value="([0-9a-f]+)"', page).group(1)
    ended = type(cast.ngo).objects.get(pk=cast.ngo.pk)
    ended.is_nonprofit = False
    services.save_institution(actor=cast.admin, institution=ended)
    data = {"code": cast.ngo.code, "name_az": "Yeni ad", "kind": cast.ngo.kind_id, "is_nonprofit": "on",
            "active": "on", "services-TOTAL_FORMS": "0", "services-INITIAL_FORMS": "0", "edit_stamp": stamp,
            "_save": "Save"}
    response = client.post(url, data)
    assert response.status_code == 200 and "changed by someone else" in response.content.decode()
    cast.ngo.refresh_from_db()
    assert not cast.ngo.is_nonprofit and cast.ngo.name_az != "Yeni ad"
