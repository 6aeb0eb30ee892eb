"""In the browser, in each language: the analyst opens the statistics from the dashboard and sees a
chart and a table of the cases with the small cells withheld and never a case; the Main
Department's supervisor sees exact figures and downloads the annual report."""
import datetime
import re

import pytest
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.accounts.tests.helpers import complete_sign_in
from nicat.statistics.services import run_scheduled_reports
from tests.support.world import make_user, term

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _cases(cast):
    for i, (gender, n) in enumerate([("feminine", 30), ("masculine", 4)]):
        for j in range(n):
            case = cast.open_case(person={"family_name": f"Secret{i}{j}"},
                                  first_contact_at=timezone.make_aware(datetime.datetime(2025, 4, 1 + j % 27, 9)))
            case.person.gender = term("gender", gender)
            case.person.save()


def _the_perturbed_34(text):
    """The analyst's table of 2025 shows one figure besides the year: the 34 cases, perturbed by at most 2."""
    numbers = set(re.findall(r"\b\d+\b", text)) - {"2025"}
    return len(numbers) == 1 and abs(int(numbers.pop()) - 34) <= 2


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_analyst_sees_a_chart_and_a_table_with_small_cells_withheld(browser, live_server, cast, language):
    _cases(cast)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        complete_sign_in(page, live_server, cast.analyst, language)
        assert page.locator("html").get_attribute("lang") == language
        with page.expect_navigation(url=re.compile(r".*/statistics/$")):
            page.locator("main a[href='/statistics/']").click()
        page.select_option("#id_by", "year")
        page.select_option("#id_then", "gender")
        with page.expect_navigation(url=re.compile(r".*then=gender.*")):
            page.locator("main form button[type=submit]").click()
        table = page.locator("#statistics-table")
        text = table.inner_text()
        # Only the year and its total (34, perturbed by at most 2) are shown: the 4 men are withheld, and
        # so are the 30 women, who would otherwise give the men away as 34 - 30.
        assert _the_perturbed_34(text), text
        assert page.locator("[data-testid=statistics-perturbed]").is_visible()
        assert table.locator(".visually-hidden").count() >= 2
        # Chart.js drew the chart (a canvas with pixels), from JSON numbers, without errors.
        page.wait_for_function("document.querySelector('canvas[data-chart]').width > 0")
        assert not [e for e in errors if "Content Security Policy" in e or "Chart" in e]
        assert "Secret" not in page.content() and "NCT-" not in page.content()
    finally:
        context.close()


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_supervisor_sees_exact_figures_and_downloads_the_report(browser, live_server, cast, language):
    _cases(cast)
    cast.main_department.is_competent_authority = True
    cast.main_department.save()
    supervisor = make_user("md.sup", cast.main_department, Role.SUPERVISOR)
    # The Main Department's supervisor sees the cases in its scope: open one there.
    cast.open_case(actor=cast.officer, first_contact_at=timezone.make_aware(datetime.datetime(2025, 5, 2, 9)))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        complete_sign_in(page, live_server, supervisor, language)
        page.goto(f"{live_server.url}/statistics/?by=year")
        assert "1" in page.locator("#statistics-table").inner_text()  # exact, even below k
        page.locator("main a[href='/statistics/report/']").click()
        page.fill("#id_year", "2025")
        page.select_option("#id_language", language)
        page.select_option("#id_edition", "internal")
        page.select_option("#id_format", "pdf")
        with page.expect_download() as download:
            page.locator("main form button[type=submit]").click()
        assert download.value.suggested_filename == f"annual-report-2025-{language}.pdf"
        with open(download.value.path(), "rb") as fh:
            assert fh.read(4) == b"%PDF"
        # The same report every month: ordered here, made by the worker's job, downloaded from the list.
        page.locator("main a[href='/statistics/report/schedules/']").click()
        page.select_option("#id_frequency", "monthly")
        page.select_option("#id_language", language)
        page.select_option("#id_edition", "internal")
        page.select_option("#id_format", "xlsx")
        page.locator("main form button[type=submit]").click()
        page.wait_for_selector(".alert-success")
        assert page.locator("main a[href^='/statistics/report/made/']").count() == 0
        assert run_scheduled_reports() == 1
        page.reload()
        with page.expect_download() as download:
            page.locator("main a[href^='/statistics/report/made/']").click()
        assert download.value.suggested_filename.startswith("annual-report-") and \
            download.value.suggested_filename.endswith(f"-{language}-{timezone.localdate():%Y-%m}.xlsx")
        with open(download.value.path(), "rb") as fh:
            assert fh.read(2) == b"PK"
        assert page.locator("main button.btn-outline-danger").count() == 1  # it can be stopped
    finally:
        context.close()


@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_analyst_puts_a_published_dataset_beside_nicats_figures(browser, live_server, cast, language):
    from nicat.statistics.services import import_ctdc

    _cases(cast)
    import_ctdc(actor=None, data="gender,majorityStatus\n" + "Female,Adult\n" * 12 + "Male,Minor\n" * 3
                + "Female,Minor\n" * 11, dataset="ctdc-global", source="CTDC global sample")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="az-AZ")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        complete_sign_in(page, live_server, cast.analyst, language)
        page.goto(f"{live_server.url}/statistics/?by=year")
        assert _the_perturbed_34(page.locator("#statistics-table").inner_text())  # Nicat's own figure
        published = page.locator("#published-table")
        assert "CTDC global sample" in published.inner_text()
        page.select_option("#id_dataset", "ctdc-global")
        page.select_option("#id_dataset_by", "majorityStatus")
        with page.expect_navigation(url=re.compile(r".*dataset_by=majorityStatus.*")):
            page.locator("#id_dataset_by").evaluate("e => e.form.requestSubmit()")
        text = published.inner_text()
        # 14 minors and 12 adults: both at least k = 11, so both shown; Nicat's table is still beside it.
        assert "Minor" in text and "14" in text and "Adult" in text and "12" in text, text
        assert _the_perturbed_34(page.locator("#statistics-table").inner_text())
        page.select_option("#id_dataset_by", "gender")
        with page.expect_navigation(url=re.compile(r".*dataset_by=gender.*")):
            page.locator("#id_dataset_by").evaluate("e => e.form.requestSubmit()")
        text = published.inner_text()
        assert "23" in text and not re.search(r"\b3\b", text), text  # 23 women; the 3 men withheld
        assert published.locator(".visually-hidden").count() >= 1
    finally:
        context.close()
