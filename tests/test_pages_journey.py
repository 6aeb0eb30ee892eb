"""In the browser: pages people enjoy using (issue 15, items 6-8).

- Changing language after a failed form lands on a page that can be shown, in az, ru and en (it used
  to end on the browser's raw "HTTP ERROR 405").
- At 390 px (a phone) no main page scrolls sideways: dashboard, case page, screening form, referral form,
  decision page; the language switch is visible without opening the menu.
- axe-core (tests/vendor) finds no serious or critical violation on those pages.
- The supervisor's menu fits on one line; countries are chosen in a searchable box; the screening's
  recommendation follows the answers; nothing breaks the Content-Security-Policy.
"""
import re
from pathlib import Path

import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.accounts.tests.helpers import complete_sign_in
from tests.support.identification import refer_with_consent
from tests.support.world import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js").read_text()


def _context(browser, width=390, height=844, bypass_csp=False):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="az-AZ", bypass_csp=bypass_csp)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def _main_pages(cast):
    """(user, paths) of the main pages: the worker's own, then the officer's decision page."""
    case = cast.open_case()
    decided = cast.open_case(person={"given_name": "Leyla"})
    refer_with_consent(cast.worker, decided)
    worker_paths = ["/", reverse("cases:detail", args=[case.uuid]),
                    reverse("identification:screening_new", args=[case.uuid]),
                    reverse("referrals:new", args=[case.uuid]), reverse("cases:new")]
    officer_paths = [reverse("identification:decide", args=[decided.uuid]),
                     reverse("cases:detail", args=[decided.uuid])]
    return [(cast.worker, worker_paths), (cast.officer, officer_paths)]


def _sideways(page):
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_language_switch_after_a_failed_form(browser, live_server, cast, language):
    case = cast.open_case()
    target = {"az": "ru", "ru": "en", "en": "az"}[language]
    context, page, errors = _context(browser, 1280, 900)
    try:
        complete_sign_in(page, live_server, cast.worker, language)
        page.goto(live_server.url + reverse("cases:detail", args=[case.uuid]))
        page.locator("#route-heading ~ details > summary").click()
        page.fill("#id_event-date_from", "2026-05-01")
        page.fill("#id_event-date_to", "2026-04-01")
        with page.expect_navigation(url=re.compile(r".*/events/$")):
            page.locator("#route-heading ~ details button[type=submit]").click()
        assert page.locator(".errorlist, .invalid-feedback, .alert-danger").count() > 0  # the form came back
        with page.expect_navigation() as landed:
            page.select_option("#language-select", target)
        assert page.locator("html").get_attribute("lang") == target
        assert landed.value.status == 200 and "HTTP ERROR" not in page.content()
        assert page.url.endswith(reverse("cases:detail", args=[case.uuid]))
        assert [e for e in errors if "status of 400" not in e] == []  # the failed form itself answers 400
    finally:
        context.close()


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, cast):
    for user, paths in _main_pages(cast):
        context, page, errors = _context(browser)
        try:
            complete_sign_in(page, live_server, user, "ru")  # Russian: the longest words
            for path in paths:
                page.goto(live_server.url + path)
                width, inner = _sideways(page)
                assert width <= inner, f"{path} scrolls sideways at 390 px ({width} > {inner})"
                assert page.locator("#language-select").is_visible(), path
            assert errors == [], errors
        finally:
            context.close()


def test_axe_finds_no_serious_violation_on_the_main_pages(browser, live_server, cast):
    for user, paths in _main_pages(cast):
        context, page, _errors = _context(browser, 1366, 768, bypass_csp=True)  # axe is injected into the page
        try:
            complete_sign_in(page, live_server, user, "en")
            for path in paths:
                page.goto(live_server.url + path)
                page.add_script_tag(content=AXE)
                found = page.evaluate("""async () => {
                    const r = await axe.run(document, {resultTypes: ['violations']});
                    return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                        .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
                }""")
                assert found == [], f"{path}: {found}"
        finally:
            context.close()


def test_supervisors_menu_fits_on_one_line(browser, live_server, cast):
    supervisor = make_user("supervisor", cast.main_department, Role.SUPERVISOR, first_name="Elnur",
                           last_name="Hüseynov")
    supervisor.is_staff = True
    supervisor.save()
    context, page, errors = _context(browser, 1280, 800)
    try:
        complete_sign_in(page, live_server, supervisor, "ru")
        tops = page.evaluate("""() => Array.from(document.querySelectorAll('#mainnav > ul > li'))
            .map(li => Math.round(li.getBoundingClientRect().top))""")
        assert len(tops) >= 4 and len(set(tops)) == 1, tops
        page.locator("[data-nav-group=cases] > a").click()
        assert page.locator("[data-nav-group=cases] .dropdown-menu").is_visible()
        assert errors == []
    finally:
        context.close()


def test_countries_are_chosen_in_a_searchable_box(browser, live_server, cast):
    context, page, errors = _context(browser, 1280, 900)
    try:
        complete_sign_in(page, live_server, cast.worker, "en")
        page.goto(live_server.url + reverse("cases:new"))
        box = page.locator("#id_person-citizenships-ts-control")
        box.click()
        box.fill("Azerb")
        page.locator(".ts-dropdown .option", has_text="Azerbaijan").first.click()
        assert page.locator("#id_person-citizenships option:checked").count() == 1
        assert errors == [], errors
    finally:
        context.close()


def test_screening_recommendation_follows_the_answers(browser, live_server, cast):
    case = cast.open_case()
    context, page, errors = _context(browser, 390, 844)
    try:
        complete_sign_in(page, live_server, cast.worker, "az")
        page.goto(live_server.url + reverse("identification:screening_new", args=[case.uuid]))
        live = page.locator("#live-next-step")
        live.wait_for()
        before = live.inner_text()
        page.locator("input[name=acts][type=checkbox]").first.check()
        page.locator("input[name=means][type=checkbox]").first.check()
        page.locator("input[name=purposes][type=checkbox]").first.check()
        page.wait_for_function("b => document.querySelector('#live-next-step').innerText !== b", arg=before)
        assert page.locator("[data-testid=recommendation] [data-next-step]").count() == 1
        first = page.locator("details.screening-element").first
        first.locator("input[type=radio][value=yes]").first.check()
        assert "1 / " in first.locator("[data-element-count]").inner_text()
        assert errors == [], errors
    finally:
        context.close()
