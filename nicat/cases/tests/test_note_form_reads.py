"""Law 3 on the note form's answers: a POST of the note form that does not redirect answers with the case's notes
(a refused form re-shown with them, or the HTMX fragment that replaces the list) — free text about the person.
Showing them is a read of the case's notes (`note.list`, naming the case), whatever became of the new note."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.cases.services import add_note
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

EARLIER = "She fears the recruiter and changed her number."


@pytest.fixture
def worker_client(client, cast):
    client.cookies["nicat_language"] = "en"
    return verified_login(client, cast.worker)


def _last():
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def _note_reads(case, since):
    return list(AuditEvent.objects.filter(sequence__gt=since, action="note.list", case_uuid=str(case.uuid)))


def test_a_refused_note_shows_the_cases_notes_and_records_their_read(worker_client, cast):
    case = cast.open_case()
    add_note(actor=cast.worker, case=case, text=EARLIER)
    since = _last()
    response = worker_client.post(reverse("cases:note_add", args=[case.uuid]), {"text": ""})
    assert response.status_code == 400 and EARLIER in response.content.decode()
    assert _note_reads(case, since), "the notes were shown, and no note.list names the case"


def test_a_refused_note_through_htmx_shows_the_notes_and_records_their_read(worker_client, cast):
    case = cast.open_case()
    add_note(actor=cast.worker, case=case, text=EARLIER)
    since = _last()
    response = worker_client.post(reverse("cases:note_add", args=[case.uuid]), {"text": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert EARLIER in body and "<html" not in body
    assert _note_reads(case, since), "the notes were shown, and no note.list names the case"


def test_a_note_added_through_htmx_records_the_read_of_the_list_it_answers_with(worker_client, cast):
    case = cast.open_case()
    add_note(actor=cast.worker, case=case, text=EARLIER)
    since = _last()
    response = worker_client.post(reverse("cases:note_add", args=[case.uuid]), {"text": "Called the shelter."},
                                  HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and EARLIER in body and "Called the shelter." in body
    assert _note_reads(case, since)
