"""Court appearances: consent cannot be the basis (a procedural duty), but the person is always asked and her wishes
recorded beside the appearance — her view, how she wishes to take part (in person, by video link, statement read
out), and her wishes (accompaniment, protective measures asked), encrypted — as on a security measure
(nicat.core.personview, one rule and one form component). Shown beside the appearance, in the audit details, in
the API; never planned without asking her."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.proceedings import services
from nicat.proceedings.models import Appearance
from nicat.proceedings.tests.test_services import _new_hearing
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db
WISHES = "Her NGO case worker beside her; asks not to meet the accused in the corridor."


@pytest.fixture
def passing_check():
    from nicat.proceedings.checks import register_appearance_check, unregister_appearance_check

    def check(*, actor, case, hearing, mode):
        return "test:passed"

    register_appearance_check(check)
    yield check
    unregister_appearance_check(check)


def test_an_appearance_is_never_planned_without_asking_her(police_case, passing_check, client):
    c = police_case
    hearing = _new_hearing(c)
    with pytest.raises(ValidationError) as refused:
        services.plan_appearance(actor=c.officer, hearing=hearing, data={"mode": "in_person"})
    assert "person_view" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.plan_appearance(actor=c.officer, hearing=hearing, data={"mode": "in_person",
                                                                         "person_view": "objects"})
    assert "person_wishes" in refused.value.message_dict
    assert not Appearance.objects.system().filter(hearing=hearing).exists()
    verified_login(client, c.officer)
    page = client.post(reverse("proceedings:appearance_add", args=[hearing.uuid]), {"mode": "in_person"})
    assert page.status_code == 400 and 'name="person_view"' in page.content.decode()
    assert not Appearance.objects.system().filter(hearing=hearing).exists()


def test_her_wishes_are_kept_shown_audited_and_encrypted(police_case, passing_check, client, api):
    c = police_case
    hearing = _new_hearing(c)
    r = api(c.officer).post("/api/v1/proceedings/appearances/", {
        "hearing": str(hearing.uuid), "mode": "in_person", "person_view": "objects", "wished_mode": "video",
        "person_wishes": WISHES}, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["person_view"], r.json()["wished_mode"], r.json()["person_wishes"]) == ("objects", "video",
                                                                                              WISHES)
    appearance = Appearance.objects.system().get(hearing=hearing)
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_wishes FROM proceedings_appearance WHERE id = %s", [appearance.pk])
        assert "accused" not in str(cursor.fetchone()[0])  # sealed at rest
    event = AuditEvent.objects.filter(action="appearance.create").order_by("-pk").first()
    assert event.details["person_view"] == "objects" and event.details["wished_mode"] == "video"
    assert event.details["as_she_wishes"] is False
    assert "accused" not in str(event.details) and "accused" not in str(event.changes)
    verified_login(client, c.officer)
    page = client.get(reverse("proceedings:case", args=[c.case.uuid])).content.decode()
    shown = page.split('data-testid="appearance-view" data-view="objects"', 1)[1].split("</div>", 1)[0]
    assert "The person objects to it" in shown and WISHES in shown
    hearing_json = api(c.officer).get(f"/api/v1/proceedings/hearings/{hearing.uuid}/").json()
    assert hearing_json["appearance"]["person_view"] == "objects"
