"""Sections of a visible case by role: identity, contacts, narrative, medical, investigation, return."""
import pytest
from django.urls import reverse

from nicat.access import policy
from nicat.accounts.models import Role
from tests.support.world import make_institution, make_user, verified_login


@pytest.fixture
def roles_at_ngo(cast):
    return {role: make_user(f"u-{role}", cast.ngo, role) for role in
            (Role.CASE_WORKER, Role.SUPERVISOR, Role.MEDICAL_STAFF, Role.CONSULAR_OFFICER, Role.SHELTER_STAFF,
             Role.HOTLINE_OPERATOR, Role.IDENTIFICATION_OFFICER)}


def test_sections_follow_the_role(cast, roles_at_ngo):
    case = cast.open_case()
    seen = {role: policy.visible_sections(user, case) for role, user in roles_at_ngo.items()}
    assert seen[Role.CONSULAR_OFFICER] == {"identity", "contacts", "return"}
    assert seen[Role.MEDICAL_STAFF] == {"identity", "medical"}
    assert "medical" not in seen[Role.CONSULAR_OFFICER]
    # Shelter staff give psychological and medical rehabilitation: health and what happened, not the return.
    assert seen[Role.SHELTER_STAFF] == {"identity", "contacts", "narrative", "medical"}
    # Nobody at an NGO sees the investigation, not even its supervisor or a (mis)assigned officer role.
    assert all("investigation" not in s for s in seen.values())


def test_investigation_only_for_law_enforcement(cast):
    police = make_institution("district-police", "law_enforcement")
    officer = make_user("district.officer", police, Role.IDENTIFICATION_OFFICER)
    case = cast.open_case(actor=officer)
    assert policy.can_see_section(officer, case, "investigation")
    assert policy.can_see_section(cast.officer, cast.open_case(actor=cast.officer), "investigation")


def test_no_section_of_an_invisible_case(cast):
    case = cast.open_case()
    assert policy.visible_sections(cast.worker2, case) == set()
    assert policy.visible_sections(cast.analyst, case) == set()
    with pytest.raises(ValueError):
        policy.can_see_section(cast.worker, case, "everything")


def test_case_page_hides_what_the_role_may_not_see(client, cast, roles_at_ngo):
    case = cast.open_case(person={"phone": "+994 50 111 22 33"}, summary="Recruited through a fake job offer.")
    verified_login(client, roles_at_ngo[Role.MEDICAL_STAFF])
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "Aysel" in page
    assert "+994 50 111 22 33" not in page and "fake job offer" not in page
    verified_login(client, roles_at_ngo[Role.CASE_WORKER])
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "+994 50 111 22 33" in page and "fake job offer" in page
