"""Confidentiality in a real browser (system Chromium), with two-factor sign-in ON as in production:
first sign-in enrols an authenticator, later sign-ins need its code, nothing is reachable in between;
break-glass and access-restriction orders work end to end; the CSP blocks nothing the pages need."""
import re

import pytest
from django.utils import timezone

from nicat.accounts.tests.helpers import code_from_secret, complete_sign_in
from tests.support.world import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The person was found injured at the border post; we need the contact person recorded by the NGO."


@pytest.fixture
def production_sign_in(settings):
    settings.NICAT_REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    return settings


def csp_violations(page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def sign_out(page):
    with page.expect_navigation(url=re.compile(r".*/login/$")):
        page.locator("nav form[action$='/logout/'] button").click()


def test_two_factor_enrolment_and_sign_in(page, live_server, cast, production_sign_in):
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=re.compile(r".*/account/2fa/setup/.*")):
        page.locator("main form button[type=submit]").click()
    # The password alone opens nothing.
    page.goto(f"{live_server.url}/cases/")
    assert "/account/2fa/setup/" in page.url
    # The QR code is an image the page may load under its CSP; the secret can be typed instead.
    qr = page.locator("img.qr-code")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("#id_code", "000000")
    with page.expect_navigation():  # the form comes back
        page.locator("main form button[type=submit]").click()
    assert page.locator(".invalid-feedback, .is-invalid").count() > 0
    page.fill("#id_code", code_from_secret(secret))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    with page.expect_navigation():
        page.locator("main a.btn-primary").click()
    page.goto(f"{live_server.url}/cases/")
    assert page.url.endswith("/cases/")
    sign_out(page)

    # Next time: a code from the app; a recovery code also works, once.
    page.fill("#id_username", "worker")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation(url=re.compile(r".*/account/2fa/verify/.*")):
        page.locator("main form button[type=submit]").click()
    page.fill("#id_code", codes[0])
    with page.expect_navigation(url=re.compile(rf"^{re.escape(live_server.url)}/$")):
        page.locator("main form button[type=submit]").click()
    assert not violations, violations


def test_break_glass_end_to_end(page, live_server, cast, production_sign_in):
    from nicat.accounts.models import Role
    from tests.support.world import make_user

    case = cast.open_case()
    make_user("supervisor", cast.main_department, Role.SUPERVISOR)
    make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    violations = csp_violations(page)
    from nicat.accounts.models import User

    complete_sign_in(page, live_server, User.objects.get(username="supervisor"), "en")
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    assert page.locator("h1").inner_text() != case.reference  # not visible: the 404 page
    page.locator("#nav-oversight").click()  # the menu's "Oversight" group
    page.get_by_role("link", name="Break-glass").click()
    page.get_by_role("link", name="Open a case through break-glass").click()
    page.fill("#id_case_reference", case.reference)
    page.fill("#id_reason", REASON)
    with page.expect_navigation(url=re.compile(rf".*/cases/{case.uuid}/$")):
        page.locator("main form button[type=submit]").click()
    assert page.locator("h1 .case-ref").inner_text() == case.reference
    assert "break-glass" in page.locator("[data-testid=access-panel]").inner_text().lower()
    sign_out(page)

    # The owner institution sees who opened it and why.
    complete_sign_in(page, live_server, cast.worker, "en")
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    assert REASON in page.locator("[data-testid=break-glass-on-case]").inner_text()
    sign_out(page)

    # A supervisor of the owner institution reviews it.
    complete_sign_in(page, live_server, User.objects.get(username="ngo.supervisor"), "en")
    page.locator("#nav-oversight").click()
    page.get_by_role("link", name=re.compile("Break-glass")).click()
    opening = page.locator("[data-testid=break-glass-opening]").first
    opening.locator("textarea").fill("Justified: the person was in danger.")
    with page.expect_navigation(url=re.compile(r".*/access/break-glass/review/$")):
        opening.get_by_role("button", name="Mark as reviewed").click()
    assert "reviewed" in page.locator("[data-testid=break-glass-opening]").first.inner_text()
    assert not violations, violations


def test_restriction_order_end_to_end(page, live_server, cast, production_sign_in):
    case = cast.open_case()
    complete_sign_in(page, live_server, cast.officer, "en")
    page.locator("#nav-oversight").click()  # the menu's "Oversight" group
    page.get_by_role("link", name="Restriction orders").click()
    page.locator("summary", has_text="Record an order").click()
    page.fill("#id_case_reference", case.reference)
    page.select_option("#id_issued_by", "court")
    page.fill("#id_issuing_body", "Baku Court of Appeal")
    page.fill("#id_decision_reference", "2(103)-55/2026")
    page.fill("#id_decided_on", timezone.localdate().isoformat())
    page.check("input[name=allowed_roles][value=shelter_staff]")
    with page.expect_navigation(url=re.compile(r".*/access/restrictions/$")):
        page.get_by_role("button", name="Record the order").click()
    assert case.reference in page.locator("[data-testid=restriction-order]").first.inner_text()
    sign_out(page)

    # The owner's case worker has lost access: the case page answers "not found".
    complete_sign_in(page, live_server, cast.worker, "en")
    response = page.goto(f"{live_server.url}/cases/{case.uuid}/")
    assert response.status == 404
    page.goto(f"{live_server.url}/cases/")
    assert case.reference not in page.content()
    sign_out(page)

    # Lifted: access returns.
    complete_sign_in(page, live_server, cast.officer, "en")
    page.goto(f"{live_server.url}/access/restrictions/")
    with page.expect_navigation(url=re.compile(r".*/access/restrictions/$")):
        page.get_by_role("button", name="Lift").first.click()
    sign_out(page)
    complete_sign_in(page, live_server, cast.worker, "en")
    assert page.goto(f"{live_server.url}/cases/{case.uuid}/").status == 200
