"""Two-factor sign-in is enforced for every account: enrolment at the first sign-in, a code at every
sign-in after, recovery codes that work once, nothing reachable in between."""
import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from nicat.audit.models import AuditEvent
from tests.support.world import PASSWORD, login, totp_code, totp_device, verified_login


def password_step(client, user):
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD,
                                                  "next": "/cases/"})
    assert response.status_code == 302
    return response


def test_first_sign_in_enrols_an_authenticator_and_shows_recovery_codes_once(client, cast, hardened):
    response = password_step(client, cast.worker)
    assert response.url.startswith(reverse("accounts:2fa_setup"))
    # Nothing else is reachable with the password alone.
    for url in ("/", "/cases/", reverse("accounts:security"), "/admin/"):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith(reverse("accounts:2fa_setup")), url
    assert client.get("/api/v1/cases/").status_code == 403

    page = client.get(response.url)
    assert page.status_code == 200
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    qr = client.get(reverse("accounts:2fa_qr"))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]

    device = TOTPDevice.objects.get(user=cast.worker, confirmed=False)
    import base64
    assert base64.b32encode(device.bin_key).decode().rstrip("=") == secret

    wrong = client.post(reverse("accounts:2fa_setup"), {"code": "000000", "next": "/cases/"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.filter(user=cast.worker, confirmed=True).exists()

    done = client.post(reverse("accounts:2fa_setup"), {"code": totp_code(device), "next": "/cases/"})
    assert done.status_code == 200
    codes = re.findall(r'<code class="fs-5">([a-z0-9-]+)</code>', done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    # Stored as keyed digests only.
    stored = set(StaticToken.objects.filter(device__user=cast.worker).values_list("token", flat=True))
    assert not stored & set(codes) and not stored & {c.replace("-", "") for c in codes}
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_enrolled", actor=cast.worker).exists()
    # The setup page does not show a secret again.
    assert client.get(reverse("accounts:2fa_setup")).status_code == 302
    assert client.get(reverse("accounts:2fa_qr")).status_code == 404


def test_sign_in_needs_a_code_from_the_authenticator(client, cast, hardened):
    device = totp_device(cast.worker)
    response = password_step(client, cast.worker)
    assert response.url.startswith(reverse("accounts:2fa_verify"))
    assert client.get("/cases/").status_code == 302
    bad = client.post(reverse("accounts:2fa_verify"), {"code": "123456"})
    assert bad.status_code == 400
    assert AuditEvent.objects.filter(action="auth.2fa_failed", actor=cast.worker).exists()
    device.refresh_from_db()
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    ok = client.post(reverse("accounts:2fa_verify"), {"code": totp_code(device), "next": "/cases/"})
    assert ok.status_code == 302 and ok.url == "/cases/"
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_verified", actor=cast.worker).exists()


def test_a_used_code_cannot_be_replayed(client, cast, hardened):
    device = totp_device(cast.worker)
    code = totp_code(device)
    password_step(client, cast.worker)
    assert client.post(reverse("accounts:2fa_verify"), {"code": code}).status_code == 302
    client.post(reverse("web:logout"))
    password_step(client, cast.worker)
    assert client.post(reverse("accounts:2fa_verify"), {"code": code}).status_code == 400


def test_recovery_code_works_once(client, cast, hardened):
    from nicat.accounts.services import regenerate_recovery_codes

    totp_device(cast.worker)
    codes = regenerate_recovery_codes(actor=cast.worker)
    password_step(client, cast.worker)
    r = client.post(reverse("accounts:2fa_verify"), {"code": codes[0].upper().replace("-", " ")})
    assert r.status_code == 302
    assert client.get("/cases/").status_code == 200
    client.post(reverse("web:logout"))
    password_step(client, cast.worker)
    assert client.post(reverse("accounts:2fa_verify"), {"code": codes[0]}).status_code == 400
    event = AuditEvent.objects.filter(action="auth.2fa_verified", actor=cast.worker).last()
    assert event.details["method"] == "recovery_code" and event.details["recovery_codes_left"] == 9


def test_open_redirect_after_sign_in_is_refused(client, cast, hardened):
    device = totp_device(cast.worker)
    password_step(client, cast.worker)
    r = client.post(reverse("accounts:2fa_verify"), {"code": totp_code(device), "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == reverse("web:dashboard")


@pytest.mark.parametrize("target", ["bad", "web:dashboard", "//evil.example/", "/\\evil.example", "cases"])
def test_a_next_that_is_not_a_path_here_leads_to_the_dashboard(client, cast, hardened, target):
    """A bare word was taken by redirect() for a URL name: a 500 (found by an adversarial review)."""
    device = totp_device(cast.worker)
    password_step(client, cast.worker)
    r = client.post(reverse("accounts:2fa_verify") + "?next=" + target, {"code": totp_code(device), "next": target})
    assert r.status_code == 302 and r.url == reverse("web:dashboard")
    assert client.get(reverse("accounts:2fa_verify"), {"next": target}).url == reverse("web:dashboard")
    assert client.get(reverse("accounts:2fa_verify"), {"next": "/cases/"}).url == "/cases/"


def test_helpers_sign_in_with_two_factors(client, cast, hardened):
    login(client, cast.worker)
    assert client.get("/cases/").status_code == 200
    other = client.__class__()
    verified_login(other, cast.worker2)
    assert other.get("/cases/").status_code == 200


def test_without_the_setting_the_password_is_enough(client, cast, settings):
    settings.NICAT_REQUIRE_2FA = False
    client.login(username="worker", password=PASSWORD)
    assert client.get("/cases/").status_code == 200


@pytest.mark.parametrize("who", ["analyst", "admin"])
def test_every_role_needs_the_second_factor(client, cast, hardened, who):
    user = getattr(cast, who)
    password_step(client, user)
    assert client.get("/").status_code == 302
    login(client, user)
    assert client.get("/").status_code == 200


def test_administrator_can_reset_a_lost_authenticator(client, cast, hardened):
    from nicat.accounts.services import reset_two_factor

    verified_login(client, cast.worker)
    assert client.get("/cases/").status_code == 200
    reset_two_factor(actor=cast.admin, user=cast.worker)
    assert not TOTPDevice.objects.filter(user=cast.worker).exists()
    r = client.get("/cases/")  # the session ended with the reset
    assert r.status_code == 302 and r.url.startswith(reverse("web:login"))
    assert AuditEvent.objects.filter(action="auth.2fa_reset", actor=cast.admin).exists()
