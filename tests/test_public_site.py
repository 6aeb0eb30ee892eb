"""The public information site in the browser, in az, ru and en, on a 390 px phone: no horizontal
scroll, the language switch in sight, no request to another origin and no cookie, quick exit that
replaces the history entry (button and Esc), and axe-core finds no serious or critical violation.

Quick exit runs under the site's real Content-Security-Policy (the script is a static file); axe-core
is injected, so its context alone bypasses CSP (as tests/test_accessibility.py)."""
import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()
PATHS = ("/public/", "/public/trafficking/", "/public/warning-signs/", "/public/rights/", "/public/where-to-turn/")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
EXIT = "https://www.google.com/"


@pytest.fixture
def directory(db):
    from nicat.accounts.models import User
    from nicat.public.embassies import load_embassies
    from tests.support.world import make_institution

    load_embassies(actor=User.objects.create_superuser("site.admin", password="x" * 16))
    make_institution("ngo-listed", "ngo", name_az="Siyahıdakı QHT", listed_publicly=True,
                     phone="(+99412) 555-12-34", address="Bakı, Nizami küçəsi 1")


def _phone_context(browser, **extra):
    context = browser.new_context(**PHONE, **extra)
    context.set_default_timeout(15000)
    return context


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_public_pages_on_a_phone(browser, live_server, directory, language):
    context = _phone_context(browser)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        for path in PATHS:
            page.goto(f"{live_server.url}{path}?lang={language}")
            assert page.locator("html").get_attribute("lang") == language
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path}: {overflow}px of horizontal scroll"
            switch = page.get_by_test_id("language-switch")
            assert switch.is_visible(), path
            for link in switch.locator("a").all():
                box = link.bounding_box()
                assert link.is_visible() and box and box["x"] >= 0 and box["x"] + box["width"] <= 390, path
            exit_button = page.get_by_test_id("quick-exit")
            box = exit_button.bounding_box()
            assert exit_button.is_visible() and box["y"] < 120 and box["x"] + box["width"] <= 390, path
            assert page.locator("a[href='tel:152']").first.is_visible()
        # the language switch works without a cookie: another language, same page
        other = "en" if language != "en" else "ru"
        with page.expect_navigation(url=re.compile(rf".*/public/where-to-turn/\?lang={other}$")):
            page.get_by_test_id("language-switch").locator(f"a[hreflang='{other}']").click()
        assert page.locator("html").get_attribute("lang") == other
        assert context.cookies() == [], context.cookies()
        foreign = [u for u in requests if not u.startswith(live_server.url)]
        assert foreign == [], foreign
        assert errors == [], errors  # the CSP blocked nothing, no script failed
    finally:
        context.close()


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_quick_exit_replaces_the_history_entry(browser, live_server, db, language):
    context = _phone_context(browser)
    context.route(re.compile(r"^https://www\.google\.com/.*"),
                  lambda route: route.fulfill(status=200, content_type="text/html", body="<title>neutral</title>"))
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/public/?lang={language}")
        page.goto(f"{live_server.url}/public/rights/?lang={language}")
        length = page.evaluate("history.length")
        with page.expect_navigation(url=EXIT):
            page.get_by_test_id("quick-exit").click()
        assert page.evaluate("history.length") == length  # replaced, not added
        page.go_back()
        assert "/public/rights/" not in page.url  # "Back" does not return to the page that was left
        assert page.url.endswith(f"/public/?lang={language}")

        # The Esc key leaves the same way.
        page.goto(f"{live_server.url}/public/trafficking/?lang={language}")
        length = page.evaluate("history.length")
        with page.expect_navigation(url=EXIT):
            page.keyboard.press("Escape")
        assert page.evaluate("history.length") == length
    finally:
        context.close()


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_public_pages_have_no_serious_accessibility_violation(browser, live_server, directory, language):
    context = _phone_context(browser, bypass_csp=True)
    page = context.new_page()
    try:
        for path in PATHS:
            page.goto(f"{live_server.url}{path}?lang={language}")
            page.add_script_tag(content=AXE)
            found = page.evaluate("""async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                    .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
            }""")
            assert found == [], (path, found)
    finally:
        context.close()
