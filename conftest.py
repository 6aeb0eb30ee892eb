"""Fixtures shared by every test: the cast, API clients, and the browser (system Chromium)."""
import os
import shutil

import pytest


@pytest.fixture
def cast(db):
    from tests.support.world import Cast

    return Cast()


@pytest.fixture
def api(cast):
    """An API client factory: api(user) is a DRF client authenticated with a real token."""
    from rest_framework.test import APIClient

    from nicat.accounts.tokens import issue_token

    def client_for(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user)}")
        return client

    return client_for


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def browser():
    """Playwright driving the system Chromium. Skipped where none is installed, unless
    NICAT_REQUIRE_BROWSER=1 (CI), where a missing browser fails the run."""
    path = chromium_path()
    if path is None:
        if os.environ.get("NICAT_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (NICAT_REQUIRE_BROWSER=1) but was not found on PATH.")
        pytest.skip("No Chromium on this machine: browser tests skipped (CI installs it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="az-AZ")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture(autouse=True)
def _vocabularies_after_flush(request):
    """Transactional tests flush every table after they run, the vocabularies loaded by the
    migration included: put them back so each such test starts with the reference data."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (len(marker.args) > 0 and marker.args[0])):
        request.getfixturevalue("transactional_db")
        from nicat.vocab.loader import load_all
        from nicat.vocab.models import Term

        if not Term.objects.exists():
            load_all(Term)
        from nicat.legal.models import LegalParameter
        from nicat.legal.seed import load as load_legal_parameters

        if not LegalParameter.objects.exists():
            load_legal_parameters(LegalParameter)


@pytest.fixture(autouse=True)
def _registry_estimates_per_test():
    """The name search caches the registry's size and each institution's share of it for ten minutes (they only
    choose how a search narrows); a test's database is new, so each test starts without them."""
    from nicat.persons import selectors

    selectors.forget_registry_estimates()
    yield
