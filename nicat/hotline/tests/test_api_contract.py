"""/api/v1/calls/ answers as its OpenAPI schema says, for the hotline operator who really uses it (the
project's contract test runs as a case worker and an analyst, who are refused)."""
import pytest

from nicat.api.tests.test_schema_contract import run_contract, wsgi_app  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_the_calls_api_answers_as_its_schema_says(hotline, monkeypatch, wsgi_app):  # noqa: F811
    monkeypatch.setenv("NICAT_SCHEMATHESIS_ONLY", "/api/v1/calls/")
    hotline.contact(reason="job_offer_abroad")
    hotline.contact(reason="danger_now", identity_consent=True, caller_name="Test")
    total, failures, report = run_contract(wsgi_app, hotline.operator, label="hotline operator", examples=25,
                                           real_examples=15)
    assert total > 50, report
    assert not failures, report
