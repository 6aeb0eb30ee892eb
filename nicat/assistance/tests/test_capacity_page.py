"""The beds page of a facility: two managers from stale pages never overwrite each other, and a refusal
of one group changes no group (found by the ninth review)."""
import re

from django.test import Client
from django.urls import reverse

from nicat.assistance import services
from nicat.assistance.models import CapacityGroup, Group
from nicat.audit.models import AuditEvent
from tests.support.world import make_user


def _beds(world):
    return {c.group: c.beds for c in CapacityGroup.objects.filter(facility=world.shelter)}


def _form(client, world):
    """The fields the beds page sends, as the browser would post them back."""
    page = client.get(reverse("assistance:capacity", args=[world.shelter.uuid])).content.decode()
    return {name: value for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', page)
            if name != "csrfmiddlewaretoken"}


def test_a_stale_beds_page_does_not_overwrite_a_colleagues_change(world):
    from nicat.accounts.models import Role

    colleague = make_user("shelter.manager2", world.shelter_institution, Role.SHELTER_STAFF)
    first, second = Client(), Client()
    first.force_login(world.manager)
    second.force_login(colleague)
    stale = _form(first, world)  # the manager opens the page: women 2, men 1, children 1
    assert stale["women"] == "2"
    fresh = _form(second, world)
    response = second.post(reverse("assistance:capacity", args=[world.shelter.uuid]), {**fresh, "women": "6"})
    assert response.status_code == 302
    assert _beds(world)["women"] == 6
    # The first manager, still on the page they opened, adds a bed for men: women 2 goes back with it.
    response = first.post(reverse("assistance:capacity", args=[world.shelter.uuid]), {**stale, "men": "2"})
    assert response.status_code == 400
    assert "changed by someone else" in response.content.decode()
    assert _beds(world) == {"women": 6, "men": 1, "children": 1}


def test_the_beds_page_asks_for_the_versions_read(world):
    client = Client()
    client.force_login(world.manager)
    response = client.post(reverse("assistance:capacity", args=[world.shelter.uuid]),
                           {"women": "9", "men": "1", "children": "1"})
    assert response.status_code == 400
    assert _beds(world)["women"] == 2


def test_a_group_that_cannot_shrink_leaves_every_group_as_it_was(world):
    case = world.child()
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.CHILDREN)
    client = Client()
    client.force_login(world.manager)
    form = _form(client, world)
    before = AuditEvent.objects.filter(action="facility.capacity_set").count()
    response = client.post(reverse("assistance:capacity", args=[world.shelter.uuid]),
                           {**form, "women": "8", "men": "5", "children": "0"})
    assert response.status_code == 400
    assert "cannot be fewer" in response.content.decode()
    assert _beds(world) == {"women": 2, "men": 1, "children": 1}  # women and men were saved before
    assert AuditEvent.objects.filter(action="facility.capacity_set").count() == before
