"""A hotline contact is the hotline's: an operator who also works as a case worker at an NGO links it only to a
case the hotline sees, and a case opened from it belongs to the hotline (docs/security.md, "a role counts where it
is held"). Before, the operator linked the hotline's caller to the NGO's case (which the hotline does not see),
and "Open a case" made the NGO the owner — her first case-working membership (both failed before)."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from nicat.accounts.models import Membership, Role, User
from nicat.hotline import services
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db


def _operator_also_at_an_ngo(hotline):
    """A case worker of the second NGO who also answers the hotline's calls (her NGO role is the older one)."""
    user = make_user("dual", hotline.cast.ngo2, Role.CASE_WORKER)
    Membership.objects.create(user=user, institution=hotline.institution, role=Role.HOTLINE_OPERATOR)
    return User.objects.get(pk=user.pk)


def test_a_hotline_contact_is_not_linked_to_a_case_the_hotline_does_not_see(hotline, client):
    operator = _operator_also_at_an_ngo(hotline)
    contact = hotline.contact(actor=operator)
    ngo_case = hotline.cast.open_case(actor=hotline.cast.worker2)

    with pytest.raises(ValidationError) as refused:
        services.link_contact_to_case(actor=operator, contact=contact, case=ngo_case, expected_version=1)
    assert "152" in " ".join(refused.value.messages)
    verified_login(client, operator)
    page = client.post(reverse("hotline:link", args=[contact.uuid]), {"case": str(ngo_case.uuid), "version": 1},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    contact.refresh_from_db()
    assert contact.case is None

    hotline_case = hotline.cast.open_case(actor=hotline.operator)
    services.link_contact_to_case(actor=operator, contact=contact, case=hotline_case, expected_version=1)
    contact.refresh_from_db()
    assert contact.case == hotline_case


def test_a_case_opened_from_a_hotline_contact_belongs_to_the_hotline(hotline):
    operator = _operator_also_at_an_ngo(hotline)
    contact = hotline.contact(actor=operator)
    case = services.open_case_from_contact(actor=operator, contact=contact,
                                           person_data={"given_name": "Nərmin", "family_name": "Quliyeva",
                                                        "estimated_age": 24},
                                           case_data={}, expected_version=contact.version)
    assert case.owner_institution == hotline.institution
    assert case.person.registered_by_institution == hotline.institution


def test_the_link_search_offers_only_the_cases_the_hotline_sees(hotline, client):
    """The same operator searches for the caller: the NGO's case of the person she finds (she sees it as the NGO's
    case worker) is shown without a "Link to" button and says why; a case of the hotline's keeps its button. Before, both had a button and the first answered with a refusal only once clicked."""
    operator = _operator_also_at_an_ngo(hotline)
    contact = hotline.contact(actor=operator)
    person = {"given_name": "Ülviyyə", "family_name": "Kərimova"}
    ngo_case = hotline.cast.open_case(actor=hotline.cast.worker2, person=person)
    verified_login(client, operator)
    page = client.post(reverse("hotline:link", args=[contact.uuid]), {**person}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and ngo_case.reference in html
    assert f'name="case" value="{ngo_case.uuid}"' not in html
    assert "not the hotline's to link" in html

    hotline_case = hotline.cast.open_case(actor=hotline.operator, person=person)  # her record at the hotline
    html = client.post(reverse("hotline:link", args=[contact.uuid]), {**person}, HTTP_ACCEPT_LANGUAGE="en"
                       ).content.decode()
    assert f'name="case" value="{hotline_case.uuid}"' in html
    assert f'name="case" value="{ngo_case.uuid}"' not in html
