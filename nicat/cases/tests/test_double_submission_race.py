"""A double click whose two requests meet (found by the double-submission review): both requests of one form
arrived while neither had finished, and each saved the note — two notes for one click. The one-time token is
claimed by a row unique on its digest, in the note's transaction: on PostgreSQL the second request waits on
that row until the first commits and then answers "already saved". Real threads, real transactions (SQLite
serialises the two, PostgreSQL lets them meet)."""
import time

import pytest
from django.test import Client
from django.urls import reverse

from nicat.cases import services
from nicat.cases.models import CaseNote
from tests.support.submissions import ALREADY_SAVED, token_on
from tests.support.threads import race
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_requests_of_one_click_at_the_same_moment_save_one_note(cast, monkeypatch):
    case = cast.open_case()
    clients = [verified_login(Client(), cast.worker) for _ in range(2)]
    for client in clients:
        client.cookies["nicat_language"] = "en"
    token = token_on(clients[0], reverse("cases:detail", args=[case.uuid]))
    real_add_note = services.add_note

    def slow_add_note(**kwargs):
        time.sleep(0.3)  # both requests are in before either has saved
        return real_add_note(**kwargs)

    monkeypatch.setattr(services, "add_note", slow_add_note)

    def send(client):
        def job():
            response = client.post(reverse("cases:note_add", args=[case.uuid]),
                                   {"text": "Called the shelter.", "nicat_submission": token}, follow=True)
            return "repeated" if ALREADY_SAVED in response.content.decode() else f"saved {response.status_code}"
        return job

    outcomes = race([send(client) for client in clients])
    assert sorted(outcomes) == ["repeated", "saved 200"], outcomes
    assert CaseNote.objects.of(case).count() == 1


def test_two_api_calls_with_one_idempotency_key_at_the_same_moment_create_one_note(cast, api, monkeypatch):
    case = cast.open_case()
    clients = [api(cast.worker), api(cast.worker)]
    real_add_note = services.add_note

    def slow_add_note(**kwargs):
        time.sleep(0.3)
        return real_add_note(**kwargs)

    monkeypatch.setattr(services, "add_note", slow_add_note)

    def send(client):
        def job():
            response = client.post(f"/api/v1/cases/{case.uuid}/notes/", {"text": "Called."}, format="json",
                                   HTTP_IDEMPOTENCY_KEY="retry-after-timeout")
            return f"{response.status_code} {response.json().get('uuid')}"
        return job

    outcomes = race([send(client) for client in clients])
    note = CaseNote.objects.of(case).get()
    assert outcomes == [f"201 {note.uuid}"] * 2, outcomes
