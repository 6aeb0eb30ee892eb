"""Every page a signed-in person opens speaks the language they chose: no English left in a Russian or
Azerbaijani page.

test_translations.py proves that every string *marked* for translation has its az, ru and en text. This
test proves the other half: that what the pages actually *show* was marked. It walks every page of the
URLconf that answers a GET (the routes and their declared roles and objects of the access matrix,
tests/test_access_matrix.py, in its world, tests/support/world.py MatrixWorld), in Russian and in
Azerbaijani (the `nicat_language` cookie the language switch sets), takes the text a person reads (text
nodes, and the title/aria-label/placeholder/alt attributes and button captions; not <script>, <style>
or other attribute values) and fails on English in it:

- a text that is, whole, an English msgid of nicat/locale/en/LC_MESSAGES/django.po whose translation in
  the page's language differs (a string someone forgot to wrap, or a lazy string evaluated too early);
- a run of at least three consecutive ASCII words, most of them English words (the words of the English
  catalog, without those the Azerbaijani catalog uses too) — a sentence never wrapped in gettext.

What is not nicat's to translate is listed in ALLOWED below, each with its reason: data of the test world,
brand and language names, codes, and the few texts of third-party pages (the Django admin).

It also sends empty or invalid forms (a new case, a consent, a referral) and asks the API for a few
refusals (400/403/404 with Accept-Language: ru), and checks the errors are Russian.
"""
import json
import re
import uuid
from functools import cache
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from tests.support import matrix as mx
from tests.support.world import verified_login
from tests.test_access_matrix import DECLARED, PROVIDERS, ROUTES, build_url, signed_in_world

pytestmark = pytest.mark.django_db

LANGS = ("ru", "az")
CATALOG = f"{settings.LOCALE_PATHS[0]}/{{}}/LC_MESSAGES/django.po"
# A word: letters of any script (so that the "in" of the Azerbaijani "İşin" is not an English word).
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# What may stand between two words of one English run: blanks and the punctuation inside a sentence.
BETWEEN = re.compile(r"[ ,;:()\-–—/“”\"'.]*")
# What is not words in a catalog entry: placeholders, paths and addresses, `code`.
NOT_WORDS = re.compile(r"%\(\w+\)[sd]|\{\w*\}|`[^`]*`|\S*/\S*")
# A code, not words: anything with an underscore, a digit, two capitals or a colon inside (recruitment_channel,
# NCT-2026-000002, JSON, YYYY-MM-DDThh:mm); it ends a run of words.
CODE = re.compile(r"\S*(?:_|\d|[A-Z]{2}|\w:\w)\S*")
# English words common enough that two of them in a run of three mark it as English, whatever the catalog holds.
FUNCTION_WORDS = set("""a an the of in on at to for from with by and or not no is are was were be been has have
    had this that these those it its there here which who what when where can cannot must may should will would
    do does did than then""".split())
CYRILLIC = re.compile("[А-Яа-яЁё]")

# Texts a Russian or Azerbaijani reader rightly sees as they are (regular expressions, matched whole).
ALLOWED = [
    # The brand, the language names of the language switch (each in its own language), file formats.
    r"Nicat", r".* · Nicat", r"Azərbaycanca", r"English", r"Русский", r"PDF|CSV|XLSX|JSON|ODS",
    # Data of the test world (tests/support/world.py MatrixWorld and the providers of the access matrix):
    # user names, institution codes and names, the people "Matrix <owner>" and the objects' English notes.
    r".*\bmx[.-][\w.-]+.*", r".*\bMx-[\w-]+.*", r".*\bMatrix\b.*", r".*\b(Ngo|Main|Shelter|Foreign) Matrix\b.*",
    r".*\bLawyer\b.*", r"Meet a lawyer.*", r".*Baku Court.*",
    # The legal parameters' legal acts and sources: records the administrator keeps (nicat/legal/seed.py
    # loads them as the documents name them), shown as recorded.
    r".*(Law of the Republic|Law No\.|Cabinet of Ministers|Trafficking in Persons Report|Palermo Protocol"
    r"|Council of Europe|Nicat's working default|No act found|No monthly allowance|Working assumption"
    r"|reflection period|residence permit|A child is any person).*",
    # Django admin (administrators only): texts Django itself leaves unmarked or untranslated in ru/az —
    # the yes/no icons' alt, the search icon's alt, its password-form help, and third-party apps'
    # permission names and column titles (django-otp, django-tasks, django-axes).
    r"True|False|Search", r"If disabled, .*", r"Whether the user will be able to authenticate.*",
    r".* \| .* \| Can (add|change|delete|view) .*", r"Locked Out", r'"Access lock out" .*',
    r"Single Sign-On|Single Sing-On",  # sic, in Django's Russian
]

# Pages that show, beside the reader's language, the English of a record on purpose (route key: why).
ENGLISH_ON_PURPOSE = {
    # The admin's list of vocabulary terms has a column per language, English included, and the HTCDS/CTDC codes.
    "admin:vocab_term_changelist": "the terms' English labels and codes are columns of the list",
}


@cache
def allowed():
    return re.compile("|".join(f"(?:{a})" for a in ALLOWED))


@cache
def english_msgids(lang):
    """English msgids whose translation in `lang` is not the same text (those are the same in every language)."""
    po = polib.pofile(CATALOG.format(lang))
    return {" ".join(e.msgid.split()) for e in po if e.msgstr and not e.msgid_plural
            and " ".join(e.msgstr.split()) != " ".join(e.msgid.split()) and words_of(e.msgid)}


def words_of(text):
    return [w for w in WORD.findall(NOT_WORDS.sub(" ", text)) if w.isascii()]


@cache
def english_words():
    """English words: those of nicat's English catalog and of Django's, less those the Azerbaijani catalog
    uses in two entries or more (Azerbaijani is written in Latin letters too: "bu", "ya", "olan")."""
    import django

    english = set(FUNCTION_WORDS)
    for path in (CATALOG.format("en"), f"{django.__path__[0]}/conf/locale/en/LC_MESSAGES/django.po"):
        english |= {w.lower() for e in polib.pofile(path) for w in words_of(e.msgid)}
    used = {}
    for e in polib.pofile(CATALOG.format("az")):
        if e.msgstr and " ".join(e.msgstr.split()) != " ".join(e.msgid.split()):
            for w in {w.lower() for w in words_of(e.msgstr)}:
                used[w] = used.get(w, 0) + 1
    return english - {w for w, n in used.items() if n >= 2 and w not in FUNCTION_WORDS}


def english_runs(text):
    """The runs of consecutive ASCII words in `text` (words of other letters, digits and most signs end a run)."""
    run, end = [], None
    for m in WORD.finditer(text):
        if m.group().isascii() and (end is None or BETWEEN.fullmatch(text[end:m.start()])):
            run.append(m)
        else:
            if len(run) >= 3:
                yield text[run[0].start():run[-1].end()], [w.group() for w in run]
            run = [m] if m.group().isascii() else []
        end = m.end() if run else None
    if len(run) >= 3:
        yield text[run[0].start():run[-1].end()], [w.group() for w in run]


class VisibleText(HTMLParser):
    """The texts a person reads on a page: text nodes, the attributes people read (and those nicat's scripts put
    on the page: data-no-results, data-template), button captions, and the labels of the charts (drawn by
    statistics/charts.js from a json_script element). With `errors_only`, only the texts of error messages."""

    HIDDEN = {"script", "style", "template", "noscript"}
    READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-no-results", "data-template"}
    ERROR_CLASSES = {"errorlist", "invalid-feedback", "alert-danger"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.errors, self.hidden, self.chart = [], [], 0, False
        self.open_errors, self.error = [], []  # the error element we are in ([tag, depth]), and its text so far

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
            self.chart = tag == "script" and attrs.get("type") == "application/json"
        self.texts += [attrs[a] for a in self.READ_ATTRIBUTES if attrs.get(a)]
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.texts.append(attrs["value"])
        if self.open_errors and tag == self.open_errors[-1][0]:
            self.open_errors[-1][1] += 1
        elif not self.open_errors and self.ERROR_CLASSES & set((attrs.get("class") or "").split()):
            self.open_errors.append([tag, 1])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
            self.chart = False
        if self.open_errors and tag == self.open_errors[-1][0]:
            self.open_errors[-1][1] -= 1
            if not self.open_errors[-1][1]:
                self.open_errors.pop()
                if self.error:
                    self.errors.append(" ".join(self.error))
                self.error = []
        elif self.open_errors and tag in ("li", "p", "div"):  # one message per item of an error list
            if self.error:
                self.errors.append(" ".join(self.error))
            self.error = []

    def handle_data(self, data):
        if self.chart:
            self.texts += chart_labels(data)
        elif not self.hidden and data.strip():
            self.texts.append(" ".join(data.split()))
            if self.open_errors:
                self.error.append(" ".join(data.split()))


def chart_labels(data):
    try:
        chart = json.loads(data)
    except ValueError:
        return []
    if not isinstance(chart, dict):
        return []
    labels = [str(label) for label in chart.get("labels") or []]
    return labels + [str(d["label"]) for d in chart.get("datasets") or [] if isinstance(d, dict) and d.get("label")]


def visible_texts(html):
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def error_texts(html):
    parser = VisibleText()
    parser.feed(html)
    return parser.errors


def english_in(text, lang):
    """The English a reader of `lang` would find in `text` (None if there is none)."""
    text = text.strip()
    if allowed().fullmatch(text):
        return None
    if text.rstrip(":").strip() in english_msgids(lang):
        return text
    common = english_words()
    for run, words in english_runs(CODE.sub(" § ", text)):
        lower = [w.lower() for w in words]
        if (sum(w in common for w in lower) * 2 > len(words) or sum(w in FUNCTION_WORDS for w in lower) >= 2) \
                and not allowed().fullmatch(run):
            return run
    return None


def english_on_page(html, lang):
    return sorted({f"{english!r}" + (f" in {text!r}" if english != text else "")
                   for text in visible_texts(html) if (english := english_in(text, lang))})


def speak(client, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


# --- Every page ---------------------------------------------------------------------------------------

def pages():
    """(route key, rule, the first role allowed) of every route a signed-in person opens with a GET."""
    for owner in sorted(DECLARED):
        for key, rule in sorted(DECLARED[owner].items()):
            if rule.api or rule.skip or "get" not in rule.methods or not rule.allow or key not in ROUTES:
                continue
            yield key, rule, next(r for r in mx.ROLES if r in rule.allow)


def test_the_walk_covers_the_pages():
    assert len(list(pages())) > 150  # the URLconf's pages, not a handful: the walk did not lose its routes


def test_every_page_speaks_russian_and_azerbaijani(settings):
    world, clients = signed_in_world(settings)
    found, walked = [], 0
    for key, rule, role in pages():
        values = dict(rule.literals)
        for kwarg, kind in rule.kwargs.items():
            values[kwarg] = world.provide(PROVIDERS, kind, role, True)
        if None in values.values():
            continue
        url = build_url(ROUTES[key], values)
        for lang in LANGS:
            response = speak(clients.get(role, False), lang).get(url, dict(rule.query))
            if "html" not in response.get("Content-Type", "") or response.status_code in (301, 302, 303):
                continue
            walked += 1
            html = response.content.decode()
            assert f'<html lang="{lang}"' in html or key.startswith("admin:"), f"{url} is not in {lang}"
            if key not in ENGLISH_ON_PURPOSE:
                found += [f"  {lang} {key} {url}: {english}" for english in english_on_page(html, lang)]
    assert walked > 300
    assert not found, (f"{len(found)} English texts on Russian or Azerbaijani pages (wrap them in gettext, "
                       f"or, if they are data, allow them in ALLOWED with the reason):\n" + "\n".join(found))



# --- Form errors: an empty or invalid form comes back with Russian errors -------------------------------

FORMS = {  # route, and the URL kwargs it needs (the case of the cast's worker)
    "cases:new": False,
    "consent:record": True,
    "referrals:new": True,
}
NOT_FIELDS = {"csrfmiddlewaretoken", "csrf-token", "htmx-config", "language", "next", "nicat_submission", "viewport"}


def field_names(html):
    return sorted(set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)) - NOT_FIELDS)


def test_form_errors_are_russian(client, cast):
    case = cast.open_case()
    speak(verified_login(client, cast.worker), "ru")
    found, checked = [], 0
    for name, with_case in FORMS.items():
        url = reverse(name, args=[case.uuid] if with_case else [])
        fields = field_names(client.get(url).content.decode())
        assert fields, f"{url}: no form fields found"
        # every field blank (an empty POST would be taken as no POST by `Form(request.POST or None)`), then wrong
        for label, data in (("empty", dict.fromkeys(fields, "")), ("invalid", dict.fromkeys(fields, "zzz"))):
            response = client.post(url, data)
            assert response.status_code in (200, 400), f"{url} ({label}): {response.status_code}"
            html = response.content.decode()
            errors = error_texts(html)
            assert errors, f"{url} ({label}): the form came back without an error message"
            checked += len(errors)
            found += [f"  {url} ({label}): {e!r}" for e in errors if not CYRILLIC.search(e) or english_in(e, "ru")]
            found += [f"  {url} ({label}): {english}" for english in english_on_page(html, "ru")]
    assert checked > 10
    assert not found, "Form errors that are not Russian:\n" + "\n".join(found)


# --- The API: refusals carry Russian sentences (Accept-Language: ru) ---------------------------------------

def sentences(body, key=None):
    """The sentences of an API answer: `detail` and the fields' messages (not `code`, which is for programs)."""
    if isinstance(body, dict):
        for k, value in body.items():
            if k != "code":
                yield from sentences(value, k)
    elif isinstance(body, list):
        for value in body:
            yield from sentences(value, key)
    elif isinstance(body, str):
        yield key, body


def test_api_refusals_are_russian(cast, api):
    case = cast.open_case()
    worker, analyst = api(cast.worker), api(cast.analyst)
    ru = {"HTTP_ACCEPT_LANGUAGE": "ru"}
    answers = {
        "401 without a token": APIClient().get("/api/v1/cases/", **ru),
        "401 with a wrong token": APIClient(HTTP_AUTHORIZATION="Token nct_wrong").get("/api/v1/cases/", **ru),
        "404 of a case": worker.get(f"/api/v1/cases/{uuid.uuid4()}/", **ru),
        "404 of an address": worker.get("/api/v1/no-such-thing/", **ru),
        "404 of a page": worker.get("/api/v1/cases/?page=99", **ru),
        "405": worker.delete(f"/api/v1/cases/{case.uuid}/", **ru),
        "403 of the hotline": worker.get("/api/v1/calls/", **ru),
        "400 of a new case": worker.post("/api/v1/cases/", {}, format="json", **ru),
        "400 of a case's fields": worker.post("/api/v1/cases/", {"first_contact_at": "yesterday", "person": {
            "given_name": "Aysel", "birth_date": "2999-01-01"}}, format="json", **ru),
        "400 of a change without version": worker.patch(f"/api/v1/cases/{case.uuid}/", {"summary": "x"},
                                                        format="json", **ru),
        "400 of a referral": worker.post("/api/v1/referrals/", {"case": str(case.uuid), "purpose": "nonsense",
                                                                "to_institution": str(uuid.uuid4())},
                                         format="json", **ru),
        "400 of a consent": worker.post("/api/v1/consents/", {"case": str(case.uuid), "purpose": "nonsense"},
                                        format="json", **ru),
        "400 of a broken body": worker.generic("POST", "/api/v1/cases/", "{not json",
                                               content_type="application/json", **ru),
        "400 of statistics": analyst.get("/api/v1/statistics/cases/?by=nonsense", **ru),
    }
    from nicat.statistics.dimensions import DIMENSIONS

    # The codes a program sends (the statistics' dimensions, listed when one is wrong) are not English to translate.
    codes = re.compile("|".join(rf"\b{re.escape(code)}\b" for code in sorted(DIMENSIONS, key=len, reverse=True)))
    found = []
    for what, response in answers.items():
        assert 400 <= response.status_code < 500, f"{what}: {response.status_code}"
        said = list(sentences(response.json()))
        assert said, f"{what}: no message in {response.content!r}"
        found += [f"  {what}: {key}: {text!r}" for key, text in said
                  if not CYRILLIC.search(text) or english_in(codes.sub("§", text), "ru")]
    assert not found, "API answers that are not Russian:\n" + "\n".join(found)


# --- Codes a record keeps, shown in words -----------------------------------------------------------------

def test_a_document_and_a_legal_basis_are_shown_in_words(client, cast):
    from django.utils import translation

    from nicat.audit.actions import reason_label

    case = cast.open_case(person={"documents": [{"type": "passport", "number": "C01234567", "country": "AZ"}]})
    html = speak(verified_login(client, cast.worker), "ru").get(reverse("cases:detail", args=[case.uuid]))
    assert "Паспорт C01234567 Азербайджан" in " ".join(visible_texts(html.content.decode()))
    with translation.override("ru"):
        assert reason_label("legal basis: court_order") == "Правовое основание: Решение суда"
        assert reason_label("written by a person") == "written by a person"
