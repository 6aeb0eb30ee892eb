"""The public information site (issue 16, item 5): open to everyone, in az/ru/en, phone numbers to tap,
no cookie, nothing from another origin, light, a one-page leaflet per language, the staff warning
only for staff, and an anonymous `/` lands here."""
import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.urls import reverse

from nicat.core.calendar import baku_today
from nicat.legal.models import LegalParameter
from nicat.public import views
from tests.support.world import make_institution

PAGES = ("public:home", "public:trafficking", "public:warning_signs", "public:rights", "public:where_to_turn")
LANGS = ("az", "ru", "en")
# A sentence of each language's own text on each page (the prose is written per language).
SAMPLES = {
    "public:home": {"az": "Bu sizin və ya yaxınınızın başına gəlirmi?", "ru": "Это происходит с вами",
                    "en": "Is this happening to you"},
    "public:trafficking": {"az": "Uşaqlar: heç bir vasitə tələb olunmur", "ru": "Дети: способ не требуется",
                           "en": "Children: no means is needed"},
    "public:warning_signs": {"az": "Xaricə işə getməzdən əvvəl yoxlama siyahısı",
                             "ru": "Памятка перед выездом на работу за границу",
                             "en": "Checklist before going abroad for work"},
    "public:rights": {"az": "Əcnəbilər və vətəndaşlığı olmayan şəxslər üçün bərabər",
                      "ru": "Наравне для иностранцев и лиц без гражданства",
                      "en": "Equal for foreigners and stateless persons"},
    "public:where_to_turn": {"az": "Kömək üçün hara müraciət etməli", "ru": "Куда обратиться за помощью",
                             "en": "Where to turn for help"},
}
# The site's own navigation, through gettext.
NAV = {"az": "Tez çıxış", "ru": "Быстрый выход", "en": "Quick exit"}


def get(client, name, lang=None, **kw):
    url = reverse(name, **kw) + (f"?lang={lang}" if lang else "")
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


class Assets(HTMLParser):
    """Every URL the page makes the browser load: scripts, stylesheets, icons, images, frames, media."""

    def __init__(self):
        super().__init__()
        self.urls, self.links = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed", "input") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        if tag == "object" and a.get("data"):
            self.urls.append(a["data"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def assets_of(html):
    parser = Assets()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_open_to_anonymous_visitors_in_three_languages(client, db, name, lang):
    html = get(client, name, lang).content.decode()
    assert f'<html lang="{lang}">' in html
    assert SAMPLES[name][lang] in html
    assert NAV[lang] in html  # the layout's own words are translated too
    others = [SAMPLES[name][o] for o in LANGS if o != lang]
    assert not any(s in html for s in others)


def test_each_prose_page_is_written_in_all_three_languages():
    for page in views.PAGES:
        for lang in LANGS:
            assert get_template(f"public/{lang}/{page}.html")


def test_the_lists_come_from_the_vocabularies_in_the_page_language(client, db):
    html = get(client, "public:trafficking", "ru").content.decode()
    assert "Вербовка" in html and "Мошенничество" in html and "Использование женщины в качестве суррогатной матери" in html
    html = get(client, "public:warning_signs", "az").content.decode()
    assert "Miqrantlar" in html and "Model agentlikləri" in html
    assert "həddən artıq yüksək maaş" in html and "Pasportunuzu və ya digər sənədlərinizi" in html


def test_without_a_choice_the_browser_language_applies_and_azerbaijani_is_the_default(client, db, settings):
    settings.LANGUAGE_CODE = "az"
    assert '<html lang="ru">' in client.get(reverse("public:home"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="az">' in client.get(reverse("public:home")).content.decode()
    # an unknown ?lang= is ignored, never an error
    assert '<html lang="az">' in client.get(reverse("public:home") + "?lang=xx").content.decode()


def test_the_language_switch_links_carry_the_language_in_the_address(client, db):
    html = get(client, "public:rights", "en").content.decode()
    for lang in LANGS:
        assert f'href="/public/rights/?lang={lang}"' in html
    # and the site's own links keep the chosen language
    assert f'href="{reverse("public:where_to_turn")}?lang=en"' in html


@pytest.mark.parametrize("name", PAGES)
def test_no_cookie_for_anonymous_visitors(client, db, name):
    for lang in (None, "ru"):
        response = get(client, name, lang)
        assert not response.cookies, response.cookies
        assert "Set-Cookie" not in response.headers
    for url in ("/", "/directory/public/", reverse("public:leaflet", args=["az"])):
        response = client.get(url)
        assert not response.cookies and "Set-Cookie" not in response.headers, url


@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_loaded_from_another_origin(client, db, name):
    html = get(client, name, "en").content.decode()
    urls = assets_of(html).urls
    assert any(u.endswith("public.css") for u in urls) and any(u.endswith("public.js") for u in urls)
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "<style" not in html and " style=" not in html and "<script>" not in html  # the CSP allows none
    for name_ in ("public.css", "public.js"):
        text = open(finders.find(f"public/{name_}"), encoding="utf-8").read()
        assert "http://" not in text and "https://" not in text.replace("https://www.google.com/", "")
        assert "@import" not in text and "url(" not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", PAGES)
def test_page_weight_is_under_100_kb(client, db, name, lang):
    """HTML + every stylesheet, script and icon the page loads."""
    make_institution("heavy-ngo", "ngo", listed_publicly=True, phone="(+99412) 111-11-11")
    html = get(client, name, lang).content
    total = len(html)
    for url in assets_of(html.decode()).urls:
        path = finders.find(url.removeprefix("/static/"))
        assert path, url
        with open(path, "rb") as fh:
            total += len(fh.read())
    assert total < 100_000, total


def test_every_phone_number_is_a_tap_to_call_link(client, db):
    make_institution("listed-ngo", "ngo", name_az="Siyahıdakı QHT", listed_publicly=True,
                     phone="(+99412) 555-12-34, +994 50 123 45 67")
    for name in PAGES:
        html = get(client, name, "en").content.decode()
        assert 'href="tel:152"' in html, name
        # every 152 shown as a number is the text of a tel: link
        visible = re.sub(r"<a [^>]*href=\"tel:[^\"]+\"[^>]*>[^<]*</a>", "", html)
        visible = re.sub(r"<[^>]+>", " ", visible)
        assert not re.search(r"(?<![\d.-])152(?![\d.-])", visible), name
    html = get(client, "public:where_to_turn", "en").content.decode()
    assert '<a href="tel:+994125902049">(+99412) 590-20-49</a>' in html  # the Main Department's duty service
    assert '<a href="tel:+994125551234">(+99412) 555-12-34</a>' in html
    assert '<a href="tel:+994501234567">+994 50 123 45 67</a>' in html


def test_where_to_turn_groups_the_directory_and_lists_the_embassies(client, cast):
    from nicat.public.embassies import load_embassies

    assert load_embassies(actor=cast.admin) == 6
    assert load_embassies(actor=cast.admin) == 0  # again: nothing new, nothing overwritten
    make_institution("mosque-charity", "religious_org", name_az="Dini icma", name_en="Religious community",
                     listed_publicly=True)
    html = get(client, "public:where_to_turn", "en").content.decode()
    embassies = html.split('data-testid="kind-embassy_consulate"', 1)[1].split("</section>", 1)[0]
    assert "Embassy of the Republic of Azerbaijan in the Republic of Türkiye (Ankara)" in embassies
    assert "Türkiye" in embassies and 'call the hotline <a href="tel:152">152</a>' in embassies  # none invented
    religious = html.split('data-testid="kind-religious_org"', 1)[1].split("</section>", 1)[0]
    assert "Religious community" in religious
    medical = html.split('data-testid="kind-medical"', 1)[1].split("</section>", 1)[0]
    assert "None is listed here yet" in medical  # the kind the seed names is still shown
    html = get(client, "public:where_to_turn", "az").content.decode()
    assert "Azərbaycan Respublikasının Türkiyə Respublikasındakı Səfirliyi (Ankara)" in html


def test_embassies_are_written_through_the_audited_directory_service(cast):
    from nicat.audit.models import AuditEvent
    from nicat.core.errors import NotAllowed
    from nicat.public.embassies import load_embassies

    with pytest.raises(NotAllowed):
        load_embassies(actor=cast.worker)
    load_embassies(actor=cast.admin)
    assert AuditEvent.objects.filter(action="institution.create", actor=cast.admin).count() == 6


def test_the_former_directory_page_leads_to_where_to_turn(client, db):
    response = client.get("/directory/public/?lang=ru")
    assert response.status_code == 302 and response["Location"] == "/public/where-to-turn/?lang=ru"


def test_rights_show_the_legal_parameters_in_force_today(client, db):
    html = get(client, "public:rights", "en").content.decode()
    assert "700 AZN" in html and "30 days" in html and "12 months" in html
    assert "the amount last reported" in html  # the seed's 700 AZN is not confirmed by its source
    LegalParameter.objects.create(code="allowance.one_time", value=Decimal("850"), confirmed=True,
                                  valid_from=baku_today() - datetime.timedelta(days=1), legal_act="Test act")
    LegalParameter.objects.create(code="foreigners.reflection_days", value=45,
                                  valid_from=baku_today(), legal_act="Test act")
    html = get(client, "public:rights", "ru").content.decode()
    assert "850 AZN" in html and "700 AZN" not in html and "45 дней" in html
    assert "последняя сообщённая сумма" not in html
    LegalParameter.objects.create(code="allowance.one_time", value=Decimal("900"), confirmed=True,
                                  valid_from=baku_today() + datetime.timedelta(days=10), legal_act="Future act")
    assert "850 AZN" in get(client, "public:rights", "az").content.decode()  # not before its day


@pytest.mark.parametrize("lang", LANGS)
def test_the_leaflet_is_one_page_per_language(client, db, lang):
    response = client.get(reverse("public:leaflet", args=[lang]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert re.search(rb"/Count\s+1\b", data)
    assert response["Content-Language"] == lang


def test_the_leaflet_of_an_unknown_language_is_not_found(client, db):
    assert client.get("/public/leaflet/de.pdf").status_code == 404


def test_the_staff_warning_only_for_signed_in_staff(client, cast):
    warning = "Disclosure is punishable by law"
    for name in PAGES:
        assert warning not in get(client, name, "en").content.decode()
    assert warning not in client.get(reverse("web:login")).content.decode()
    client.force_login(cast.worker)
    for name in PAGES:
        assert warning in get(client, name, "en").content.decode()
    assert warning in client.get(reverse("web:dashboard")).content.decode()


def test_an_anonymous_visitor_of_the_root_lands_on_the_public_site(client, cast):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("public:home")
    client.force_login(cast.worker)
    response = client.get("/")
    assert response.status_code == 200 and 'data-testid="hotline-bar"' not in response.content.decode()


def test_every_page_links_to_the_ask_for_help_form(client, db):
    for lang in ("az", "ru", "en"):
        html = get(client, "public:home", lang).content.decode()
        assert 'data-testid="ask-for-help"' in html and f'href="/public/help/?lang={lang}"' in html
    assert client.get("/public/help/?lang=en").status_code == 200


def test_quick_exit_is_on_every_page_and_leaves_for_the_neutral_site(client, db, settings):
    settings.NICAT_PUBLIC_EXIT_URL = "https://weather.example/"
    for name in PAGES:
        html = get(client, name, "az").content.decode()
        assert re.search(r'<a id="quick-exit"[^>]*href="https://weather.example/"[^>]*data-exit-url="https://weather.example/"',
                         html), name


def test_the_embassies_command_needs_an_administrator(cast):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No user"):
        call_command("load_embassies", "--as", "nobody")
    with pytest.raises(CommandError, match="administrator"):
        call_command("load_embassies", "--as", cast.worker.username)
    out = StringIO()
    call_command("load_embassies", "--as", cast.admin.username, stdout=out)
    assert out.getvalue().strip() == "6 embassies and consulates added"


def test_the_definition_states_the_age_of_majority_in_force_today(client, db, monkeypatch):
    """Who is a child is the legal parameter in force today (persons.child_age_years), on the page and in the
    leaflet, in every language; a value from a later day is not said before it applies."""
    from fpdf import FPDF

    said = {"en": "anyone under {}", "ru": "ему нет {} лет", "az": "{} yaşına çatmayıbsa"}
    for lang, sentence in said.items():
        assert sentence.format(18) in get(client, "public:trafficking", lang).content.decode()
    LegalParameter.objects.create(code="persons.child_age_years", value=21, valid_from=baku_today() + datetime.timedelta(
        days=1), legal_act="Future act")
    assert said["en"].format(18) in get(client, "public:trafficking", "en").content.decode()  # not before its day
    LegalParameter.objects.create(code="persons.child_age_years", value=20, valid_from=baku_today(),
                                  legal_act="Test act")
    for lang, sentence in said.items():
        html = get(client, "public:trafficking", lang).content.decode()
        assert sentence.format(20) in html and sentence.format(18) not in html
    printed = []
    multi_cell = FPDF.multi_cell
    monkeypatch.setattr(FPDF, "multi_cell", lambda pdf, w, h, text="", *a, **kw: printed.append(text) or multi_cell(
        pdf, w, h, text, *a, **kw))
    assert client.get(reverse("public:leaflet", args=["en"])).status_code == 200
    assert any("For a child (under 20) no means" in text for text in printed)
