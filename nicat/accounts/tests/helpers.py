"""Signing in from browser tests (Playwright): the password, then the second factor as a person
does it — with the code their authenticator app shows, or by enrolling one at the first sign-in.

    from nicat.accounts.tests.helpers import complete_sign_in
    complete_sign_in(page, live_server, cast.worker, "en")

Works whether NICAT_REQUIRE_2FA is on (production) or off (the test settings' default).
"""
import base64
import re
import time
from urllib.parse import urlparse

from tests.support.world import PASSWORD


def code_from_secret(secret, at=None):
    """What an authenticator app shows for a base32 secret (RFC 6238: 30 s, 6 digits, SHA-1)."""
    from django_otp.oath import totp

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=0) if at is None else _totp_at(key, at):06d}"


def _totp_at(key, at):
    from django_otp.oath import TOTP

    t = TOTP(key, step=30, t0=0, digits=6, drift=0)
    t.time = at
    return t.token()


def _submit(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def complete_sign_in(page, live_server, user, language="az", password=PASSWORD):
    from django.urls import reverse

    from tests.support.world import totp_code, totp_device

    page.context.add_cookies([{"name": "nicat_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}{reverse('web:login')}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
    path = urlparse(page.url).path
    if path == reverse("accounts:2fa_setup"):
        secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
        page.fill("#id_code", code_from_secret(secret))
        _submit(page)
        page.locator("[data-testid=recovery-codes]").wait_for()
        page.locator("main a.btn-primary").click()
    elif path == reverse("accounts:2fa_verify"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = totp_device(user)
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # tests sign in more often than every 30 s
        device.refresh_from_db()
        page.fill("#id_code", totp_code(device, at=time.time()))
        _submit(page)
    page.wait_for_url(re.compile(r"^(?!.*/(login|account/2fa)/).*$"))
    return page
