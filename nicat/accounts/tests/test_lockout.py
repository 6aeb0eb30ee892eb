"""Lock-out after five failed sign-ins (django-axes), audited, with a clear page."""
import datetime

from django.urls import reverse

from nicat.audit.models import AuditEvent
from tests.support.world import PASSWORD


def attempt(client, username, password):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def test_five_failures_lock_the_account(client, cast, hardened):
    for _ in range(4):
        r = attempt(client, "worker", "wrong password!")
        assert r.status_code == 200 and not client.session.get("_auth_user_id")
    r = attempt(client, "worker", "wrong password!")
    assert r.status_code == 429
    # Even the right password is refused while locked.
    r = attempt(client, "worker", PASSWORD)
    assert r.status_code == 429
    assert not client.session.get("_auth_user_id")
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5
    assert AuditEvent.objects.filter(action="auth.lockout").exists()


def test_a_lock_out_by_name_does_not_lock_other_accounts_from_elsewhere(client, cast, hardened):
    for _ in range(5):
        attempt(client, "worker", "wrong password!")
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    r = other.post(reverse("web:login"), {"username": "worker2", "password": PASSWORD})
    assert r.status_code == 302


def test_failed_sign_in_never_records_what_was_typed_as_a_name(client, cast, hardened):
    attempt(client, "my secret password", "x")
    event = AuditEvent.objects.filter(action="auth.login_failed").last()
    assert "my secret password" not in str(event.details) and event.details == {"username_known": False}


def test_successful_sign_in_and_out_are_audited(client, cast, hardened):
    attempt(client, "worker", PASSWORD)
    assert AuditEvent.objects.filter(action="auth.login", actor=cast.worker).exists()
    client.post(reverse("web:logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=cast.worker).exists()


def test_lock_out_never_stores_an_unknown_typed_name(client, cast, hardened):
    from axes.models import AccessAttempt

    for _ in range(2):
        attempt(client, "Correct-Horse-Password-9", "x")
    stored = list(AccessAttempt.objects.values_list("username", flat=True))
    assert stored and all(u.startswith("unknown-") for u in stored)
    assert "Correct-Horse-Password-9" not in str(list(AccessAttempt.objects.values()))


def test_a_locked_account_cannot_use_its_api_tokens_until_the_lock_ends(client, cast, hardened):
    """Issue 14, item 9: a lock-out used to leave the account's API tokens working."""
    from axes.models import AccessAttempt
    from rest_framework.test import APIClient

    from nicat.accounts.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=cast.worker, name='integration')}")
    assert api.get("/api/v1/cases/").status_code == 200
    for _ in range(5):
        attempt(client, "worker", "wrong password!")
    assert attempt(client, "worker", PASSWORD).status_code == 429
    assert "API tokens are refused too" in attempt(client, "worker", PASSWORD).content.decode()
    refused = api.get("/api/v1/cases/")
    assert refused.status_code == 401 and "locked" in refused.json()["detail"]
    assert AuditEvent.objects.filter(action="auth.lockout").last().details["api_tokens_suspended"] == 1
    AccessAttempt.objects.all().delete()  # an administrator lifts the lock (or the cool-off passes)
    assert api.get("/api/v1/cases/").status_code == 200


def _api(user):
    from rest_framework.test import APIClient

    from nicat.accounts.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user, name='integration')}")
    return api


def _failures(username, count, when):
    """`count` failed sign-ins of `username` at `when`, as axes records them (a row per name, address and browser)."""
    from axes.models import AccessAttempt

    agent = f"browser {AccessAttempt.objects.count()}"
    row = AccessAttempt.objects.create(username=username, ip_address="10.0.0.1", user_agent=agent, http_accept="*/*",
                                       path_info="/login/", get_data="", post_data="", failures_since_start=count)
    AccessAttempt.objects.filter(pk=row.pk).update(attempt_time=when)


def test_the_token_and_the_lock_out_are_read_in_one_statement(cast, hardened):
    """Every API request asked for the token, then for the account's failed sign-ins: now one statement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = _api(cast.worker)
    assert api.get("/api/v1/cases/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert api.get("/api/v1/cases/").status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    asking = [s for s in sqls if "axes_accessattempt" in s]
    assert len(asking) == 1 and "accounts_apitoken" in asking[0]
    assert sum("accounts_apitoken" in s for s in sqls) == 1
    # ... and composed once, not on every request (nicat.core.prepared keeps it compiled for the connection).
    from django.db import connections

    from nicat.core import prepared

    kept = {key[0]: entry for key, entry in prepared._cache(connections["default"]).items()}
    assert kept[("accounts.api_token_unlocked", hardened.AXES_FAILURE_LIMIT)] not in (prepared._REFUSED,
                                                                                       prepared._EMPTY)


def test_failed_sign_ins_lock_the_token_only_within_the_cool_off(cast, hardened):
    from django.utils import timezone

    api = _api(cast.worker)
    hours = hardened.AXES_COOLOFF_TIME
    # Four failures now and five long ago: not locked (only those within the cool-off count).
    _failures("worker", 5, timezone.now() - datetime.timedelta(hours=hours + 1))
    _failures("worker", 4, timezone.now())
    assert api.get("/api/v1/cases/").status_code == 200
    # Another user's failures never lock this account.
    _failures("worker2", 9, timezone.now())
    assert api.get("/api/v1/cases/").status_code == 200
    # The fifth within the cool-off: locked, with the reason.
    _failures("worker", 1, timezone.now() - datetime.timedelta(minutes=5))
    refused = api.get("/api/v1/cases/")
    assert refused.status_code == 401 and "locked" in refused.json()["detail"]


def test_a_revoked_or_disabled_token_is_refused_with_its_own_reason_while_lock_outs_are_on(cast, hardened):
    from nicat.accounts.models import ApiToken

    api = _api(cast.worker)
    cast.worker.is_active = False
    cast.worker.save(update_fields=["is_active"])
    refused = api.get("/api/v1/cases/")
    assert refused.status_code == 401 and "disabled" in refused.json()["detail"]
    cast.worker.is_active = True
    cast.worker.save(update_fields=["is_active"])
    assert api.get("/api/v1/cases/").status_code == 200
    ApiToken.objects.filter(user=cast.worker).update(revoked_at=datetime.datetime.now(datetime.timezone.utc))
    refused = api.get("/api/v1/cases/")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
