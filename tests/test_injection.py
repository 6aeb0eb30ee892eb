"""Stored script injection (review 2): what anyone types — a trafficker on the public help form, a worker of
another institution in a name, a note or an event, an institution's name and address in an HTCDS import,
an administrator in a vocabulary label — comes back on the pages that show it as text, never as markup.

Each value carries the payloads an attacker tries first: an element with an event handler, a quote that
closes an attribute followed by a script, a template expression. The page must hold the escaped form and
never the raw one; a second line of defence (the Content-Security-Policy without inline script) is
tested elsewhere (docs/security.md)."""
import datetime
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.world import make_institution, verified_login

PAYLOAD = '<img src=x onerror=alert(1)>"><script>alert(1)</script>{{7*7}}'
RAW = ("<img src=x", "<script>alert", 'onerror=alert(1)>"')
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}"


def _tagged(marker):
    return f"{marker}{PAYLOAD}"


def assert_inert(html, *markers, where=""):
    """Every marked value is on the page, escaped; no raw payload anywhere on it."""
    for raw in RAW:
        assert raw not in html, f"{where}: the page holds {raw!r} as markup"
    for marker in markers:
        assert marker + ESCAPED in html, f"{where}: {marker} is not shown (escaped) on the page"


@pytest.mark.django_db
def test_a_case_typed_full_of_markup_shows_as_text_on_every_page_of_it(cast, client):
    from nicat.cases.models import EventKind
    from nicat.cases.services import add_event, add_note

    case = cast.open_case(person={"family_name": _tagged("QFAM"), "given_name": _tagged("QGIV"),
                                  "aliases": [_tagged("QALI")]},
                          summary=_tagged("QSUM"))
    add_note(actor=cast.worker, case=case, text=_tagged("QNOTE"))
    add_event(actor=cast.worker, case=case, data={"kind": EventKind.RECRUITMENT, "place": _tagged("QPLACE"),
                                                  "description": _tagged("QDESC"),
                                                  "date_from": datetime.date(2025, 1, 2)})
    client.force_login(cast.worker)
    detail = client.get(reverse("cases:detail", args=[case.uuid]))
    assert detail.status_code == 200
    assert_inert(detail.content.decode(), "QFAM", "QGIV", "QALI", "QSUM", "QNOTE", "QPLACE", "QDESC",
                 where="case page")
    listing = client.get(reverse("cases:list"))
    assert_inert(listing.content.decode(), where="case list")
    fragment = client.get(reverse("cases:list"), HTTP_HX_REQUEST="true")  # the HTMX fragment of the list
    assert_inert(fragment.content.decode(), where="case list fragment")
    found = client.post(reverse("persons:search"), {"q": "QFAM"})  # a search is POSTed
    assert found.status_code == 200
    assert_inert(found.content.decode(), "QFAM", where="person search")
    edit = client.get(reverse("cases:person_edit", args=[case.uuid]))  # the values inside form fields
    assert_inert(edit.content.decode(), where="person form")
    assert 'value="QFAM&lt;img' in edit.content.decode()


@pytest.mark.django_db
def test_an_imported_institution_full_of_markup_shows_as_text_in_the_directory_the_public_site_and_the_admin(cast):
    """An HTCDS import creates the institutions its file names, with the name, address, phone and e-mail typed
    in it; a publicly listed one appears on the public site's "where to turn" page."""
    inst = make_institution("evil-ngo", "ngo", name_az=_tagged("QNAME"), address=_tagged("QADDR"),
                            phone="javascript:alert(1)//" + PAYLOAD, hours=_tagged("QHOURS"),
                            email="x@example.org", listed_publicly=True)
    public = Client().get(reverse("public:where_to_turn"))
    assert public.status_code == 200
    html = public.content.decode()
    assert_inert(html, "QNAME", "QADDR", where="where to turn")
    assert 'href="javascript:' not in html and "tel:+1" not in html  # the phone link is tel: and digits only
    staff = verified_login(Client(), cast.worker)
    assert_inert(staff.get(reverse("directory:detail", args=[inst.uuid])).content.decode(), "QNAME", "QADDR",
                 where="directory page")
    assert_inert(staff.get(reverse("directory:search")).content.decode(), "QNAME", where="directory search")
    admin = verified_login(Client(), cast.admin)
    changelist = admin.get(reverse("admin:directory_institution_changelist"))
    assert changelist.status_code == 200
    assert_inert(changelist.content.decode(), "QNAME", where="admin list")


@pytest.mark.django_db
def test_a_vocabulary_label_full_of_markup_stays_data_in_the_statistics_chart(cast, client):
    """The statistics page hands its figures to the chart as JSON in the page (json_script): a label that
    closes the script element would run; json_script escapes < > & inside it."""
    from nicat.accounts.models import Role
    from nicat.vocab.models import Term
    from tests.support.world import make_user

    label = "</script>" + _tagged("QTERM")
    Term.objects.filter(vocabulary="exploitation").update(label_az=label, label_ru=label, label_en=label)
    forced_labour = Term.objects.get(vocabulary="exploitation", code="forced_labour")
    for _ in range(3):
        cast.open_case(actor=cast.officer).exploitation_forms.add(forced_labour)
    supervisor = make_user("md.sup", cast.main_department, Role.SUPERVISOR)
    client.force_login(supervisor)
    page = client.get(reverse("statistics:cases"), {"by": "exploitation"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "</script><img" not in html and "<img src=x" not in html
    blocks = re.findall(r'<script id="statistics-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert blocks and all("QTERM" not in b or "\\u003C/script\\u003E" in b for b in blocks)
    assert [json.loads(b)["labels"] for b in blocks] == [[label]]  # the JSON is whole and holds the label as typed


@pytest.mark.django_db
def test_a_help_request_full_of_markup_shows_as_text_on_the_hotline_desk(cast):
    """The public help form is open to anyone, a trafficker included: what is typed there reaches the operators'
    desk and the contact's page."""
    from django.core import signing
    from django.utils import timezone

    from nicat.accounts.models import Role
    from nicat.hotline.models import Contact
    from nicat.hotline.views import STAMP_SALT
    from tests.support.world import make_user

    hotline = make_institution("hotline-152", "hotline", name_az="152", phone="152")
    operator = make_user("operator", hotline, Role.HOTLINE_OPERATOR)
    stamp = signing.dumps(timezone.now().timestamp() - 10, salt=STAMP_SALT)
    sent = Client().post(reverse("hotline:ask_for_help"), {"what": _tagged("QWHAT"), "contact": _tagged("QSAFE"),
                                                           "stamp": stamp})
    assert sent.status_code == 302
    contact = Contact.objects.system().get()
    staff = verified_login(Client(), operator)
    assert_inert(staff.get(reverse("hotline:desk")).content.decode(), where="hotline desk")
    detail = staff.get(reverse("hotline:detail", args=[contact.uuid]))
    assert detail.status_code == 200
    assert_inert(detail.content.decode(), "QWHAT", "QSAFE", where="contact page")


# --- In a real browser, with the Content-Security-Policy switched off so that a hole would fire ----------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_script_runs_in_a_browser_on_the_pages_that_show_typed_markup(browser, live_server, cast):
    """The pages whose values can carry markup, and the scripts that draw on them (the searchable selects,
    built by Tom Select from the options' labels; the case page's section links; the chart) in Chromium with
    the CSP bypassed: any `alert` fails the test, and so does an element the payload would have created."""
    from nicat.accounts.models import Role
    from nicat.accounts.tests.helpers import complete_sign_in
    from nicat.cases.services import add_note
    from nicat.vocab.models import Term
    from tests.support.world import make_user

    label = "Ölkə" + PAYLOAD
    Term.objects.filter(vocabulary="country", code="UZ").update(label_az=label, label_ru=label, label_en=label)
    Term.objects.filter(vocabulary="exploitation").update(label_az=label, label_ru=label, label_en=label)
    case = cast.open_case(actor=cast.officer, person={"family_name": _tagged("QFAM"), "aliases": [_tagged("QALI")]},
                          summary=_tagged("QSUM"))
    case.exploitation_forms.add(Term.objects.get(vocabulary="exploitation", code="forced_labour"))
    add_note(actor=cast.officer, case=case, text=_tagged("QNOTE"))
    make_institution("evil-ngo", "ngo", name_az=_tagged("QNAME"), address=_tagged("QADDR"), listed_publicly=True)
    supervisor = make_user("md.sup", cast.main_department, Role.SUPERVISOR)

    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def visit(path):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        injected = page.evaluate("() => document.querySelectorAll('img[src=\"x\"], script:not([src]):not([type])').length")
        assert not dialogs, f"{path}: a script ran ({dialogs})"
        assert injected == 0, f"{path}: the payload became {injected} element(s)"

    try:
        visit(reverse("public:where_to_turn"))
        complete_sign_in(page, live_server, supervisor, "en")
        visit(reverse("cases:detail", args=[case.uuid]))
        visit(reverse("cases:person_edit", args=[case.uuid]))
        # Tom Select draws the options of the citizenship box from their labels: open it and search.
        box = page.locator("#id_citizenships-ts-control, .ts-control input").first
        box.click()
        box.fill("Ölkə")
        page.locator(".ts-dropdown .option").first.wait_for()
        page.locator(".ts-dropdown .option").first.click()
        assert not dialogs and page.evaluate("() => document.querySelectorAll('img[src=\"x\"]').length") == 0
        assert "Ölkə" + PAYLOAD in page.locator(".ts-wrapper").first.inner_text()
        visit(reverse("statistics:cases") + "?by=exploitation")
        visit(reverse("directory:search"))
    finally:
        context.close()
