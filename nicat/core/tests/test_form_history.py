"""What is typed into Nicat is not kept by the browser's form history (law 1).

A browser remembers what was typed into a text field and offers it again in any field of the same name —
on a shared computer (a shelter's office, a police station, an internet café) the next person to type "A"
into a name field is offered "Aysel Məmmədova", her phone, her document number; some browsers offer it on
other sites too. Every field of Nicat's forms says `autocomplete="off"`, the one way a page tells the browser
not to keep it: before, none did (the intake, the person's data, the searches, the public help form)."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db

KEPT_TYPES = ("hidden", "checkbox", "radio", "submit", "button", "file", "password")


def _typed_fields(html):
    """{name: tag} of every field of the page a person types into (text, date, number, e-mail…, textarea)."""
    fields = {}
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", html):
        kind = re.search(r'\btype="([^"]*)"', tag)
        if kind and kind.group(1) in KEPT_TYPES:
            continue
        name = re.search(r'\bname="([^"]*)"', tag)
        fields[name.group(1) if name else tag] = tag
    return fields


def _remembered(html):
    return sorted(name for name, tag in _typed_fields(html).items() if 'autocomplete="off"' not in tag)


@pytest.fixture
def case(cast):
    born = timezone.localdate() - datetime.timedelta(days=30 * 365)
    return cast.open_case(person={"family_name": "Məmmədova", "given_name": "Aysel", "birth_date": born,
                                  "citizenships": [term("country", "AZ")]})


def test_no_field_of_a_victims_data_is_kept_by_the_browser(cast, case, client):
    verified_login(client, cast.worker)
    pages = {
        "intake": (reverse("cases:new"), {"person-family_name", "person-given_name", "person-birth_date",
                                          "person-document_number", "person-phone", "person-email",
                                          "person-address", "case-summary"}),
        "person": (reverse("cases:person_edit", args=[case.uuid]), {"family_name", "document_number", "phone"}),
        "case": (reverse("cases:detail", args=[case.uuid]), {"event-place", "event-description", "text"}),
        "search": (reverse("persons:search"), {"q", "document", "birth_date"}),
        "relatives": (reverse("safety:relative_search"), {"name", "phone"}),
        "correction": (reverse("retention:request_new", args=[case.uuid]), {"given_name", "phone", "details"}),
        "screening": (reverse("identification:screening_new", args=[case.uuid]),
                      {"acts_facts", "fact-deceptive_recruitment-job_nature"}),
    }
    for page, (url, identifying) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert identifying <= set(_typed_fields(html)), (page, sorted(_typed_fields(html)))
        assert _remembered(html) == [], f"the browser keeps what is typed on the {page} page"


def test_the_public_help_form_leaves_nothing_in_a_shared_computers_browser(client):
    html = client.get(reverse("hotline:ask_for_help")).content.decode()
    assert {"what", "contact"} <= set(_typed_fields(html))
    assert _remembered(html) == []


def test_the_sign_in_keeps_its_own_hints_for_the_password_manager(client, cast):
    html = client.get(reverse("web:login")).content.decode()
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html


def test_every_field_written_by_hand_in_a_template_says_it_is_not_kept():
    """Fields drawn by a template rather than by a form's widget (the screening's facts, a merge undone's reason,
    a break-glass review's note) say it themselves."""
    from pathlib import Path

    import nicat

    unsaid = []
    for template in Path(nicat.__file__).parent.rglob("templates/**/*.html"):
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", template.read_text()):
            kind = re.search(r'\btype="([^"]*)"', tag)
            if (kind and kind.group(1) in KEPT_TYPES) or "autocomplete=" in tag:
                continue
            unsaid.append(f"{template.name}: {tag[:80]}")
    assert unsaid == []
