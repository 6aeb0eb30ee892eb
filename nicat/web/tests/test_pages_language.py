"""Error pages, the language switch and the formats people read (issue 15, items 7 and 8)."""
import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, translation

from nicat.core.templatetags.nicat_format import duration_in_words
from nicat.web.language import answers_get
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

TITLES_404 = {"az": "Tapılmadı", "ru": "Не найдено", "en": "Not found"}


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_404_is_styled_in_each_language(client, cast, lang):
    verified_login(client, cast.worker)
    client.cookies["nicat_language"] = lang
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404 and f'<html lang="{lang}">' in html
    assert 'class="error-code"' in html and "navbar" in html


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_405_is_a_page_not_the_browsers_raw_error(client, cast, lang):
    case = cast.open_case()
    verified_login(client, cast.worker)
    client.cookies["nicat_language"] = lang
    response = client.get(reverse("cases:event_add", args=[case.uuid]))  # an address that only takes a POST
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert f'<html lang="{lang}">' in html and 'class="error-code"' in html and ">405<" in html


def test_405_of_the_api_stays_json(client, cast):
    response = client.delete("/api/v1/cases/")
    assert response.status_code in (401, 403, 405) and "html" not in response["Content-Type"]


@override_settings(DEBUG=False, DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_500_renders_without_the_database_or_the_user():
    from django.db import connection
    from django.test import RequestFactory

    from nicat.web.views import server_error

    request = RequestFactory().get("/")
    request.request_id = "abc123"

    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    with connection.execute_wrapper(no_database), translation.override("ru"):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and "abc123" in html and '<html lang="ru">' in html
    assert "Что-то пошло не так" in html or "Произошла ошибка" in html or "ошиб" in html.lower()


def test_403_and_400_pages_are_styled(client, cast):
    verified_login(client, cast.analyst)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 403 and 'class="error-code"' in response.content.decode()


def test_language_switch_after_a_failed_post_lands_on_a_page_that_answers_get(client, cast):
    case = cast.open_case()
    verified_login(client, cast.worker)
    detail = reverse("cases:detail", args=[case.uuid])
    # A trafficking event with an end before its start: the form comes back with its errors (400), at
    # the POST-only address /cases/<uuid>/events/.
    response = client.post(reverse("cases:event_add", args=[case.uuid]),
                           {"event-kind": "recruitment", "event-date_from": "2026-05-01",
                            "event-date_to": "2026-04-01"}, HTTP_REFERER=f"http://testserver{detail}")
    assert response.status_code == 400
    html = response.content.decode()
    assert f'name="next" type="hidden" value="{detail}"' in html
    switched = client.post(reverse("set_language"), {"language": "ru", "next": reverse("cases:event_add",
                                                                                        args=[case.uuid])})
    assert switched.status_code == 302 and switched.url == reverse("web:dashboard")  # never the POST-only address
    page = client.get(detail)
    assert page.status_code == 200 and '<html lang="ru">' in page.content.decode()


def test_a_form_page_that_also_answers_get_keeps_its_address(client, cast):
    verified_login(client, cast.worker)
    response = client.post(reverse("cases:new"), {})
    assert response.status_code in (200, 400)
    assert f'name="next" type="hidden" value="{reverse("cases:new")}"' in response.content.decode()


def test_the_switch_never_leaves_the_site():
    assert answers_get("/cases/") and not answers_get("/no-such-page/")


def test_switch_refuses_foreign_next(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == reverse("web:dashboard")


def test_english_dates_are_year_first_and_az_ru_day_first():
    day = datetime.date(2026, 12, 3)
    with translation.override("en"):
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-12-03"
        assert formats.date_format(day, "DATE_FORMAT") == "3 December 2026"
    for lang in ("az", "ru"):
        with translation.override(lang):
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == "03.12.2026"


def test_durations_in_words():
    with translation.override("en"):
        assert duration_in_words(datetime.timedelta(seconds=35.777235)) == "under a minute"
        assert duration_in_words(datetime.timedelta(days=2, hours=3, minutes=4)) == "2 days, 3 hours"
        assert duration_in_words(datetime.timedelta(hours=1, minutes=5)) == "1 hour, 5 minutes"
    with translation.override("ru"):
        assert duration_in_words(datetime.timedelta(days=5)) == "5 дней"


def test_referral_from_and_to_are_not_the_date_range_words():
    with translation.override("ru"):
        assert translation.pgettext("referral sender", "From") == "Отправитель"
        assert translation.pgettext("referral recipient", "To") == "Получатель"
        assert translation.gettext("From") == "С"  # the date range keeps its own words


@pytest.mark.parametrize("lang", ["az", "ru"])
def test_admin_app_names_are_in_the_readers_language(client, cast, lang):
    verified_login(client, cast.admin)
    client.cookies["nicat_language"] = lang
    html = client.get(reverse("admin:index")).content.decode()
    for english in ("Staff accounts", "Vocabularies", "Directory", "Legal parameters", "Axes", "Sign-in lock-outs"):
        assert f">{english}<" not in html, english
    assert {"az": "Girişin bloklanması", "ru": "Блокировки входа"}[lang] in html


def test_menu_groups_and_the_bell_is_an_svg(client, cast):
    verified_login(client, cast.worker)
    html = client.get(reverse("web:dashboard")).content.decode()
    assert 'data-nav-group="cases"' in html and 'class="bell-icon"' in html and "&#128276;" not in html
    # The language switch sits outside the collapsed menu: reachable on a phone without opening it.
    assert html.index('data-testid="language-switch"') < html.index('id="mainnav"')
