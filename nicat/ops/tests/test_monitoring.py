"""/readyz names what is not in order; /metrics needs its token and counts by route name; the JSON log
lines carry request ids and route names, never a name typed or shown."""
import datetime
import io
import json
import logging

import pytest
from django.test import override_settings
from django.utils import timezone

from nicat.core.context import RequestIdLogFilter
from nicat.core.logjson import JsonFormatter
from tests.support.world import PASSWORD


def _ready(client):
    response = client.get("/readyz")
    return response.status_code, response.content.decode()


@pytest.mark.django_db
def test_readyz_is_ready_then_names_an_old_unsigned_audit_head(client, cast, monkeypatch):
    from types import SimpleNamespace

    from nicat.audit.checkpoints import sign_head
    from nicat.ops import readiness

    cast.open_case()
    sign_head()
    status, body = _ready(client)
    assert status == 200, body
    assert body.startswith("ready") and "keys: ok" in body and "migrations: ok" in body
    cast.open_case(person={"given_name": "Leyla"})  # new events, not yet signed
    later = timezone.now() + datetime.timedelta(hours=2)  # two hours on, nobody has signed them
    monkeypatch.setattr(readiness, "timezone", SimpleNamespace(now=lambda: later))
    with override_settings(NICAT_READY_CHECKPOINT_SECONDS=60):
        status, body = _ready(client)
    assert status == 503 and "audit: FAIL events unsigned" in body


@pytest.mark.django_db
def test_readyz_refuses_keys_that_do_not_open_the_canary(client):
    import base64

    assert _ready(client)[0] == 200  # seals the canary with the configured keys
    other = base64.urlsafe_b64encode(b"x" * 32).decode()
    with override_settings(NICAT_FIELD_KEYS=[other]):
        status, body = _ready(client)
    assert status == 503 and "keys: FAIL the field keys do not open the canary" in body
    with override_settings(NICAT_INDEX_KEY="another-index-key"):
        status, body = _ready(client)
    assert status == 503 and "NICAT_INDEX_KEY differs" in body


@pytest.mark.django_db
def test_readyz_names_unapplied_migrations(client, monkeypatch):
    from nicat.ops import readiness

    monkeypatch.setattr(readiness, "_migrations_ok_until", 0.0)
    monkeypatch.setattr("django.db.migrations.executor.MigrationExecutor.migration_plan",
                        lambda self, targets: [("a migration", False)])
    status, body = _ready(client)
    assert status == 503 and "migrations: FAIL 1 not applied" in body


@pytest.mark.django_db
def test_metrics_need_the_token_and_count_requests_by_route(client, cast):
    with override_settings(NICAT_METRICS_TOKEN=""):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    with override_settings(NICAT_METRICS_TOKEN="s3cret-token"):
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
        case = cast.open_case()
        client.login(username="worker", password=PASSWORD)
        client.get(f"/cases/{case.uuid}/")
        response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'nicat_http_requests_total{method="GET",route="cases:detail",status="200"}' in text
    assert 'nicat_http_request_duration_seconds_bucket{le="0.01",route="cases:detail"}' in text
    assert 'nicat_jobs{status="READY"}' in text and 'nicat_jobs{status="FAILED"}' in text
    assert "nicat_audit_chain_length" in text and "nicat_audit_unsigned_events" in text
    assert 'nicat_overdue_deadlines{kind="referral"} 0.0' in text
    assert 'nicat_overdue_deadlines{kind="identification_referral"} 0.0' in text  # opened an hour ago
    assert str(case.uuid) not in text and "Məmmədova" not in text


@pytest.mark.django_db
def test_overdue_identification_referrals_are_counted(cast):
    from nicat.ops.jobs import overdue_identification_referrals

    cast.open_case()  # an hour ago: within the referral hours
    cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(days=30))  # long overdue
    cast.open_case(actor=cast.officer, first_contact_at=timezone.now() - datetime.timedelta(days=30))  # the authority's own
    assert overdue_identification_referrals() == 1


@pytest.mark.django_db
def test_json_log_lines_carry_request_ids_and_no_names(client, cast):
    case = cast.open_case(person={"given_name": "Günay", "family_name": "Əlizadə"})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdLogFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    try:
        client.login(username="worker", password=PASSWORD)
        page = client.get(f"/cases/{case.uuid}/", HTTP_X_REQUEST_ID="req-12345678")
        assert "Əlizadə" in page.content.decode()  # the page shows the name …
        client.post("/persons/", {"q": "Əlizadə Günay"})  # … and a search types it (a POST body) …
        client.get("/persons/", {"q": "Əlizadə Günay"})  # … or an old link carries it (refused, 400)
        client.get(f"/cases/{case.uuid}/no-such-page/")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(e.get("route") == "cases:detail" and e["request_id"] == "req-12345678" and e["status"] == 200
               for e in lines)
    assert any(e.get("route") == "persons:search" for e in lines)
    text = stream.getvalue()
    for word in ("Əlizadə", "Günay", "\\u018flizad", "Alizade", "Gunay"):
        assert word not in text  # … the logs never (nor in the JSON escapes)
