"""One click is one record: a note, a trafficking event or an intake sent twice (a double click, a browser
sending a slow form again) is saved once and the second answer says so; an API call retried with the same
`Idempotency-Key` creates nothing more and answers with the same record. Another user's identical key is
another key (nicat.core.submissions)."""
import pytest
from django.urls import reverse

from nicat.accounts.models import User
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case, CaseNote, TraffickingEvent
from tests.support.submissions import ALREADY_SAVED, post_twice, token_on
from tests.support.world import make_user, term, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_client(client, cast):
    client.cookies["nicat_language"] = "en"
    return verified_login(client, cast.worker)


def test_a_note_sent_twice_is_one_note_and_the_second_answer_says_it_was_already_saved(worker_client, cast):
    case = cast.open_case()
    detail = reverse("cases:detail", args=[case.uuid])
    first, second = post_twice(worker_client, detail, reverse("cases:note_add", args=[case.uuid]),
                               {"text": "Called the shelter."})
    assert first.status_code == 302 and first.url == detail
    assert second.redirect_chain == [(detail, 302)] and ALREADY_SAVED in second.content.decode()
    assert CaseNote.objects.of(case).count() == 1


def test_a_note_sent_twice_through_htmx_is_one_note(worker_client, cast):
    case = cast.open_case()
    first, second = post_twice(worker_client, reverse("cases:detail", args=[case.uuid]),
                               reverse("cases:note_add", args=[case.uuid]), {"text": "HTMX note"},
                               HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200
    body = second.content.decode()
    assert ALREADY_SAVED in body and body.count("HTMX note") == 1 and "<html" not in body
    assert CaseNote.objects.of(case).count() == 1


def test_an_event_sent_twice_is_one_event(worker_client, cast):
    case = cast.open_case()
    detail = reverse("cases:detail", args=[case.uuid])
    first, second = post_twice(worker_client, detail, reverse("cases:event_add", args=[case.uuid]), {
        "event-kind": "Exploitation", "event-country": term("country", "TR").pk, "event-place": "İstanbul",
        "event-date_from": "2025-01-01", "event-date_to": "2025-03-01"})
    assert first.status_code == 302 and second.redirect_chain == [(detail, 302)]
    assert ALREADY_SAVED in second.content.decode()
    assert TraffickingEvent.objects.of(case).count() == 1


def test_an_intake_sent_twice_opens_one_case(worker_client, cast):
    from nicat.cases.tests.test_pages import intake_post

    first, second = post_twice(worker_client, reverse("cases:new"), reverse("cases:new"), intake_post())
    case = Case.objects.visible_to(cast.worker).get()
    assert first.url == reverse("cases:detail", args=[case.uuid])
    assert second.redirect_chain == [(first.url, 302)] and ALREADY_SAVED in second.content.decode()


def test_a_form_changed_and_sent_again_with_the_same_token_loses_nothing(worker_client, cast):
    """A form kept open after it was saved (the back button), changed and sent again: not silently dropped as
    "already saved" — shown again with what was typed, the reason, and a fresh token that saves it."""
    case = cast.open_case()
    url = reverse("cases:note_add", args=[case.uuid])
    token = token_on(worker_client, reverse("cases:detail", args=[case.uuid]))
    assert worker_client.post(url, {"text": "First note.", "nicat_submission": token}).status_code == 302
    again = worker_client.post(url, {"text": "Second, different note.", "nicat_submission": token})
    page = again.content.decode()
    assert again.status_code == 400 and "already sent and saved with other content" in page
    assert "Second, different note." in page and token not in page
    assert list(CaseNote.objects.of(case).values_list("text", flat=True)) == ["First note."]


def test_another_users_token_is_not_honoured_it_saves_that_users_own_note(worker_client, client, cast):
    colleague = make_user("colleague", cast.ngo)
    case = cast.open_case()
    url = reverse("cases:note_add", args=[case.uuid])
    token = token_on(worker_client, reverse("cases:detail", args=[case.uuid]))
    worker_client.post(url, {"text": "Mine.", "nicat_submission": token})
    worker_client.logout()
    verified_login(client, colleague)
    response = client.post(url, {"text": "Mine.", "nicat_submission": token}, follow=True)
    assert ALREADY_SAVED not in response.content.decode()
    assert sorted(n.author.username for n in CaseNote.objects.of(case)) == ["colleague", "worker"]


# --- the API: Idempotency-Key -----------------------------------------------------------------------------

def test_a_note_posted_twice_with_one_idempotency_key_is_one_note_with_the_same_answer(api, cast):
    case = cast.open_case()
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/notes/"
    first = client.post(url, {"text": "Called the shelter."}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(url, {"text": "Called the shelter."}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert CaseNote.objects.of(case).count() == 1
    # The answer shown again is a read of the note, in the audit trail like any other.
    shown = AuditEvent.objects.filter(action="casenote.view", actor_id=cast.worker.pk,
                                      object_id=str(first.json()["uuid"]))
    assert [(event.details.get("repeated"), event.case_uuid) for event in shown] == [(True, str(case.uuid))]
    # Without a key, or with a new one, a second note is a second note.
    assert client.post(url, {"text": "Called the shelter."}, format="json").status_code == 201
    assert client.post(url, {"text": "Called the shelter."}, format="json",
                       HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    assert CaseNote.objects.of(case).count() == 3


def test_an_event_posted_twice_with_one_key_is_one_event(api, cast):
    case = cast.open_case()
    client = api(cast.worker)
    body = {"kind": "Transit", "place": "Sarp", "date_from": "2025-01-01"}
    url = f"/api/v1/cases/{case.uuid}/events/"
    first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="event-1")
    second = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="event-1")
    assert first.status_code == second.status_code == 201, first.content
    assert second.json()["uuid"] == first.json()["uuid"]
    assert TraffickingEvent.objects.of(case).count() == 1


def test_the_same_key_with_another_body_is_refused_with_a_clear_message(api, cast):
    case = cast.open_case()
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/notes/"
    assert client.post(url, {"text": "One."}, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    other = client.post(url, {"text": "Two."}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused" and "already used" in other.json()["detail"]
    assert CaseNote.objects.of(case).count() == 1
    too_long = client.post(url, {"text": "Three."}, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256)
    assert too_long.status_code == 400 and "Idempotency-Key" in too_long.json()
    assert CaseNote.objects.of(case).count() == 1


def test_another_users_identical_key_creates_that_users_own_record_and_reveals_nothing(api, cast):
    """No cross-user leak: a guessed key of another user answers nothing of theirs — it is another key."""
    colleague = make_user("colleague", cast.ngo)
    case = cast.open_case()
    url = f"/api/v1/cases/{case.uuid}/notes/"
    mine = api(cast.worker).post(url, {"text": "Same."}, format="json", HTTP_IDEMPOTENCY_KEY="guessable")
    theirs = api(User.objects.get(pk=colleague.pk)).post(url, {"text": "Same."}, format="json",
                                                         HTTP_IDEMPOTENCY_KEY="guessable")
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["uuid"] != mine.json()["uuid"] and not theirs.has_header("Idempotent-Replayed")
    assert CaseNote.objects.of(case).count() == 2


def test_a_refused_request_is_not_remembered_the_corrected_retry_with_the_key_goes_through(api, cast):
    case = cast.open_case()
    client = api(cast.worker)
    url = f"/api/v1/cases/{case.uuid}/events/"
    bad = client.post(url, {"kind": "Transit", "date_from": "2025-03-01", "date_to": "2025-01-01"}, format="json",
                      HTTP_IDEMPOTENCY_KEY="fix-me")
    assert bad.status_code == 400
    good = client.post(url, {"kind": "Transit", "date_from": "2025-01-01", "date_to": "2025-03-01"}, format="json",
                       HTTP_IDEMPOTENCY_KEY="fix-me")
    assert good.status_code == 201 and TraffickingEvent.objects.of(case).count() == 1
