"""Azerbaijani is the default language; Russian and English are a click away."""
import pytest
from django.test import override_settings
from django.urls import reverse

from tests.support.world import PASSWORD


def test_the_product_default_is_azerbaijani():
    from nicat import settings as production

    assert production.LANGUAGE_CODE == "az"
    assert [code for code, _name in production.LANGUAGES] == ["az", "ru", "en"]


@override_settings(LANGUAGE_CODE="az")
def test_a_visitor_without_preference_reads_azerbaijani(client, db):
    page = client.get(reverse("web:login")).content.decode()
    assert '<html lang="az">' in page and "Daxil ol" in page


@pytest.mark.parametrize("lang,word", [("ru", "Войти"), ("en", "Sign in"), ("az", "Daxil ol")])
def test_the_language_switcher_changes_the_language(client, db, lang, word):
    response = client.post(reverse("set_language"), {"language": lang, "next": reverse("web:login")})
    assert response.status_code == 302
    page = client.get(reverse("web:login")).content.decode()
    assert f'<html lang="{lang}">' in page and word in page


def test_signed_in_pages_follow_the_choice(client, cast):
    client.login(username="worker", password=PASSWORD)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert "Новое дело" in client.get(reverse("cases:list")).content.decode()
