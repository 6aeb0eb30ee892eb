"""The directory: staff search where to refer; the public page shows the hotline, the Main Department and the
institutions that agreed to be listed — never a shelter's address."""
import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.directory import selectors
from nicat.directory.models import Institution, InstitutionService
from tests.support.world import PASSWORD, make_institution, make_user, term


def public_page(client, language):
    """The former public page now leads to the public site's "where to turn" page (nicat/public)."""
    client.cookies["nicat_language"] = language
    response = client.get(reverse("directory:public"), follow=True)
    assert response.redirect_chain == [(reverse("public:where_to_turn"), 302)]
    assert response.status_code == 200
    return response.content.decode()


def test_public_page_needs_no_sign_in_and_shows_hotline_and_seed_contacts(world, client):
    page = public_page(client, "en")
    assert "152" in page
    # The Main Department of the cast has no address: the seed's values are the fallback.
    assert "Azadlig Avenue 161, AZ1106" in page
    assert "(+99412) 590-20-49" in page and "(+99412) 590-20-48" in page
    assert "Embassy of Uzbekistan" in page and "Bakı, Səfirlik küçəsi 1" in page


@pytest.mark.parametrize("language,address", [("az", "Azadlıq prospekti 161"), ("ru", "проспект Азадлыг 161"),
                                              ("en", "Azadlig Avenue 161")])
def test_public_page_in_three_languages(db, client, language, address):
    page = public_page(client, language)
    assert f'<html lang="{language}"' in page and address in page


def test_public_page_uses_the_database_when_it_has_the_main_department(world, client):
    world.main_department.address = "Bakı, Azadlıq pr. 161 (yeni giriş)"
    world.main_department.phone = "(+99412) 590-20-49"
    world.main_department.save()
    assert "yeni giriş" in public_page(client, "az")


def test_shelter_address_never_on_the_public_page(world, client):
    page = public_page(client, "en")
    assert "State shelter" in page and "Gizli küçə" not in page
    assert world.centre.name_en not in page  # not listed publicly
    assert world.consulate.name_en not in page


def test_address_of_a_shelter_only_to_its_staff_and_identification_officers(world):
    other_officer = make_user("officer2", world.ngo2, Role.IDENTIFICATION_OFFICER)
    assert selectors.institution_address_visible_to(world.shelter_staff, world.shelter)
    assert selectors.institution_address_visible_to(world.officer, world.shelter)
    assert selectors.institution_address_visible_to(other_officer, world.shelter)
    assert not selectors.institution_address_visible_to(world.worker, world.shelter)
    assert not selectors.institution_address_visible_to(world.centre_worker, world.shelter)
    assert not selectors.institution_address_visible_to(None, world.shelter)
    # A shelter whose special flag was forgotten is still confidential by its kind.
    unflagged = make_institution("private-shelter", "shelter", address="Hidden 1")
    assert not selectors.institution_address_visible_to(world.worker, unflagged)
    assert selectors.institution_address_visible_to(world.worker, world.embassy_uz)


def test_staff_search_by_service_language_and_region(world, client):
    world.shelter.languages.set([term("language", "ru")])
    client.login(username="worker", password=PASSWORD)
    url = reverse("directory:search")

    def results(params):
        return client.get(url, params).content.decode().split('data-testid="directory-results"', 1)[1]

    page = results({"service": "shelter"})
    assert world.shelter.name in page and world.centre.name not in page
    assert "Gizli küçə" not in page
    page = results({"language": term("language", "ru").pk})
    assert world.shelter.name in page and world.embassy_uz.name not in page
    page = results({"region": term("region", "abroad").pk})
    assert world.consulate.name in page and world.shelter.name not in page
    page = results({"q": "Özbək"})
    assert world.embassy_uz.name in page


def test_institution_card_shows_address_by_the_rule(world, client):
    client.login(username="worker", password=PASSWORD)
    page = client.get(reverse("directory:detail", args=[world.shelter.uuid])).content.decode()
    assert "Gizli küçə" not in page
    client.logout()
    client.login(username="shelter.manager", password=PASSWORD)
    page = client.get(reverse("directory:detail", args=[world.shelter.uuid])).content.decode()
    assert "Gizli küçə" in page


def test_staff_pages_need_sign_in(world, client):
    assert client.get(reverse("directory:search")).status_code == 302
    assert client.get(reverse("directory:detail", args=[world.shelter.uuid])).status_code == 302


def test_services_are_unique_per_institution(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionService.objects.create(institution=world.shelter, kind="shelter")
    assert Institution.objects.get(pk=world.shelter.pk).services.count() == 2
