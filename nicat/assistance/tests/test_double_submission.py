"""One click is one record: a compensation claim, a follow-up or a service delivered sent twice (a double
click, a browser sending a slow form again) is saved once, and the second answer says so; an API call retried
with the same `Idempotency-Key` creates nothing more and answers with the same record (nicat.core.submissions)."""
import datetime

from django.urls import reverse
from django.utils import timezone

from nicat.assistance.models import CompensationClaim, FollowUp, ServiceDelivery
from tests.support.submissions import ALREADY_SAVED, post_twice
from tests.support.world import verified_login


def _twice(client, world, name, case, data):
    verified_login(client, world.cast.worker)
    url = reverse(f"assistance:{name}", args=[case.uuid])
    return post_twice(client, url, url, data)


def _said_once(first, second, back):
    assert first.status_code == 302 and first.url == back
    assert second.redirect_chain[0] == (back, 302) and ALREADY_SAVED in second.content.decode()


def test_a_claim_sent_twice_is_one_claim(world, client):
    case = world.recognise(world.adult())
    first, second = _twice(client, world, "claim_add", case, {"claimed_amount": "5000", "claimed_on": "2024-01-10"})
    _said_once(first, second, first.url)
    assert CompensationClaim.objects.of(case).count() == 1


def test_a_follow_up_sent_twice_is_one_follow_up(world, client):
    case = world.adult()
    first, second = _twice(client, world, "follow_up_add", case, {"due_on": timezone.localdate().isoformat()})
    _said_once(first, second, reverse("assistance:case", args=[case.uuid]) + "#return")
    assert FollowUp.objects.of(case).count() == 1


def test_a_service_delivered_sent_twice_is_logged_once(world, client):
    case = world.adult()
    world.consent(case, "service", service="psychological", given_at=timezone.now() - datetime.timedelta(days=1))
    when = timezone.localtime() - datetime.timedelta(hours=2)
    first, second = _twice(client, world, "service_add", case, {
        "kind": "psychological", "provider": world.cast.ngo.pk, "delivered_at": when.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 50})
    _said_once(first, second, first.url)
    assert ServiceDelivery.objects.of(case).count() == 1


def test_the_api_with_one_key_creates_one_claim_and_one_follow_up(world, api):
    worker = api(world.cast.worker)
    case = world.recognise(world.adult())
    for url, body, model in [
            ("/api/v1/compensation-claims/", {"case": str(case.uuid), "claimed_amount": "5000",
                                               "claimed_on": "2024-01-10"}, CompensationClaim),
            ("/api/v1/follow-ups/", {"case": str(case.uuid), "due_on": timezone.localdate().isoformat()}, FollowUp)]:
        first = worker.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=f"retry-{model.__name__}")
        second = worker.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=f"retry-{model.__name__}")
        assert first.status_code == second.status_code == 201, first.content
        assert second.json()["uuid"] == first.json()["uuid"]
        assert model.objects.of(case).count() == 1


def test_a_form_changed_after_it_was_saved_and_sent_again_is_shown_with_the_reason_not_dropped(world, client):
    from tests.support.submissions import token_on

    case = world.adult()
    verified_login(client, world.cast.worker)
    url = reverse("assistance:follow_up_add", args=[case.uuid])
    token = token_on(client, url)
    today = timezone.localdate()
    assert client.post(url, {"due_on": today.isoformat(), "nicat_submission": token}).status_code == 302
    later = (today + datetime.timedelta(days=7)).isoformat()
    again = client.post(url, {"due_on": later, "nicat_submission": token})
    page = again.content.decode()
    assert again.status_code == 409 and "already sent and saved with other content" in page
    assert later in page and token not in page and token_on(client, url) not in ("", token)
    assert FollowUp.objects.of(case).count() == 1


def test_a_closure_retried_with_its_key_is_answered_as_the_first_was(world, api):
    """Retried after a lost answer, a closure used to be refused ("already closed", 400): the client could not
    tell its own success from a failure. With the same Idempotency-Key it gets the first answer again."""
    from nicat.audit.models import AuditEvent
    from nicat.cases.models import Case

    worker = api(world.cast.worker)
    case = world.adult()
    body = {"case": str(case.uuid), "closure_reason": "Duplicate", "version": case.version}
    first = worker.post("/api/v1/case-closures/", body, format="json", HTTP_IDEMPOTENCY_KEY="close-1")
    second = worker.post("/api/v1/case-closures/", body, format="json", HTTP_IDEMPOTENCY_KEY="close-1")
    assert first.status_code == second.status_code == 201, (first.content, second.content)
    assert second.json() == first.json() == {"case": str(case.uuid), "status": "Closed",
                                             "closure_reason": "Duplicate", "version": case.version + 1}
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Case.objects.system().get(pk=case.pk).version == case.version + 1
    assert AuditEvent.objects.filter(action="case.update", case_reference=case.reference).count() == 1
    # Another request under that key is not the first one; without a key the repeat is refused, as before.
    other = worker.post("/api/v1/case-closures/", {**body, "closure_reason": "Other"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="close-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    again = worker.post("/api/v1/case-closures/", body, format="json")
    assert again.status_code in (400, 409) and Case.objects.system().get(pk=case.pk).version == case.version + 1


def test_another_users_key_never_replays_a_closure(world, api):
    case = world.adult()
    body = {"case": str(case.uuid), "closure_reason": "Duplicate", "version": case.version}
    assert api(world.cast.worker).post("/api/v1/case-closures/", body, format="json",
                                       HTTP_IDEMPOTENCY_KEY="shared").status_code == 201
    stranger = api(world.cast.worker2).post("/api/v1/case-closures/", body, format="json",
                                            HTTP_IDEMPOTENCY_KEY="shared")
    assert stranger.status_code == 400 and "case" in stranger.json() and "Idempotent-Replayed" not in stranger
