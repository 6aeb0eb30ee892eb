"""A person may hold several identity documents (the API and an import record them all); the person's edit page
shows the first one. Saving the page — to correct a phone number — kept that one document and silently deleted
every other (a passport kept, the national identity card and the birth certificate gone)."""
import datetime

from django.urls import reverse
from django.utils import timezone

from nicat.cases.forms import PersonForm
from nicat.persons.models import Person
from tests.support.world import verified_login

DOCUMENTS = [{"type": "passport", "number": "AA 1234567", "country": "AZ", "expiry": ""},
             {"type": "national_id_card", "number": "AZE 7654321", "country": "AZ", "expiry": ""},
             {"type": "birth_certificate", "number": "II-AB 998877", "country": "AZ", "expiry": ""}]


def _body(person, **changes):
    """What the browser sends back: the form as the page filled it, with the user's changes."""
    form = PersonForm(initial=PersonForm.initial_from(person))
    body = {}
    for name in form.fields:
        value = form.initial.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, list):
            body[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                body[name] = "on"
        elif isinstance(value, datetime.date):
            body[name] = value.isoformat()
        else:
            body[name] = getattr(value, "pk", value)
    return {**body, **changes, "version": person.version}


def test_correcting_the_phone_on_the_page_keeps_every_identity_document(api, client, cast):
    response = api(cast.worker).post("/api/v1/cases/", {
        "person": {"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": "1995-03-04",
                   "phone": "+994 50 123 45 67",
                   "documents": [{k: v for k, v in d.items() if v} for d in DOCUMENTS]},
        "came_to_notice": "self_referral", "scope": "internal",
        "first_contact_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == 201, response.content
    person = Person.objects.system().get(uuid=response.json()["person"]["uuid"])
    assert [d["number"] for d in person.documents] == [d["number"] for d in DOCUMENTS]
    verified_login(client, cast.worker)
    url = reverse("cases:person_edit", args=[response.json()["uuid"]])
    assert client.get(url).status_code == 200
    saved = client.post(url, _body(person, phone="+994 55 000 11 22"))
    assert saved.status_code == 302, saved.content.decode()[:2000]
    person = Person.objects.system().get(pk=person.pk)
    assert person.phone == "+994 55 000 11 22"
    assert [d["number"] for d in person.documents] == [d["number"] for d in DOCUMENTS]
    # correcting the first document's number on the page changes that one only
    saved = client.post(url, _body(person, document_number="AA 7654321"))
    assert saved.status_code == 302
    person = Person.objects.system().get(pk=person.pk)
    assert [d["number"] for d in person.documents] == ["AA 7654321", "AZE 7654321", "II-AB 998877"]
