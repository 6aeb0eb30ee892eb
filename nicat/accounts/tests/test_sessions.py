"""Sessions: 30 minutes idle, sign-out everywhere, password change ends other sessions."""
from django.conf import settings
from django.test import Client
from django.urls import reverse

from nicat.audit.models import AuditEvent
from tests.support.world import PASSWORD, verified_login


def test_idle_timeout_is_thirty_minutes_and_renewed_on_activity():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_sign_out_everywhere_ends_every_session(cast, hardened):
    laptop, phone = Client(), Client()
    verified_login(laptop, cast.worker)
    verified_login(phone, cast.worker)
    assert phone.get("/cases/").status_code == 200
    r = laptop.post(reverse("accounts:sign_out_everywhere"))
    assert r.status_code == 302 and r.url == reverse("web:login")
    for client in (laptop, phone):
        r = client.get("/cases/")
        assert r.status_code == 302 and r.url.startswith(reverse("web:login"))
    assert AuditEvent.objects.filter(action="auth.sessions_ended", actor=cast.worker).exists()
    # Signing in again works.
    cast.worker.refresh_from_db()
    verified_login(laptop, cast.worker)
    assert laptop.get("/cases/").status_code == 200


def test_sign_out_everywhere_needs_post(client, cast):
    verified_login(client, cast.worker)
    assert client.get(reverse("accounts:sign_out_everywhere")).status_code == 405


def test_password_change_applies_the_policy_and_ends_other_sessions(cast, hardened):
    mine, other = Client(), Client()
    verified_login(mine, cast.worker)
    verified_login(other, cast.worker)
    weak = mine.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 400
    new = "a much longer passphrase 2026"
    ok = mine.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert ok.status_code == 302
    assert mine.get("/cases/").status_code == 200
    assert other.get("/cases/").status_code == 302


def test_passwords_are_hashed_with_argon2_in_production():
    import nicat.settings as production  # the test settings override the hasher for speed only

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert any("MinimumLengthValidator" in v["NAME"] and v["OPTIONS"]["min_length"] >= 12
               for v in production.AUTH_PASSWORD_VALIDATORS)


def test_sign_out_everywhere_revokes_every_api_token_too(cast, hardened):
    """Issue 14, item 9: the tokens used to keep working after "Sign out everywhere"."""
    from rest_framework.test import APIClient

    from nicat.accounts.tokens import issue_token

    tokens = [issue_token(user=cast.worker, name=f"system {i}") for i in range(2)]
    others = issue_token(user=cast.worker2, name="someone else's")
    browser = Client()
    verified_login(browser, cast.worker)
    page = browser.get(reverse("accounts:security"))
    assert "also revokes all your API tokens" in page.content.decode()
    r = browser.post(reverse("accounts:sign_out_everywhere"), follow=True)
    assert "API tokens revoked with your sessions: 2" in r.content.decode()
    for token in tokens:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/cases/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {others}")
    assert client.get("/api/v1/cases/").status_code == 200
    event = AuditEvent.objects.get(action="token.revoke_all", actor=cast.worker)
    assert event.details["count"] == 2 and event.details["reason"] == "sign_out_everywhere"


def _session_writes(queries):
    return [q["sql"] for q in queries if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


def _expiry(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key).expire_date


def _age_session(client, seconds):
    """As if the session's expiry had last been renewed `seconds` ago."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    expiry = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - seconds)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=expiry)
    return expiry


def test_an_unchanged_session_is_not_rewritten_on_every_page(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    verified_login(client, cast.worker)
    assert client.get("/cases/").status_code == 200
    renewed = _expiry(client)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/cases/").status_code == 200
        assert client.get("/").status_code in (200, 302)
    assert _session_writes(ctx.captured_queries) == []
    assert _expiry(client) == renewed


def test_activity_a_minute_after_the_last_renewal_renews_the_idle_expiry(client, cast):
    from datetime import timedelta

    from django.utils import timezone

    verified_login(client, cast.worker)
    old = _age_session(client, 61)
    assert client.get("/cases/").status_code == 200
    renewed = _expiry(client)
    assert renewed > old + timedelta(seconds=60)
    assert abs((renewed - timezone.now()) - timedelta(seconds=settings.SESSION_COOKIE_AGE)) < timedelta(seconds=5)


def test_thirty_minutes_idle_end_the_session(client, cast):
    verified_login(client, cast.worker)
    assert client.get("/cases/").status_code == 200
    _age_session(client, settings.SESSION_COOKIE_AGE + 1)
    r = client.get("/cases/")
    assert r.status_code == 302 and r.url.startswith(reverse("web:login"))


def test_a_changed_session_is_written_at_once(client, cast, hardened):
    """The second factor, verified seconds after the password, is kept in the session: a change is written
    whatever the time since the last renewal."""
    from tests.support.world import login

    login(client, cast.worker)
    assert client.get("/cases/").status_code == 200
    client.post(reverse("accounts:sign_out_everywhere"))
    assert client.get("/cases/").status_code == 302
