"""Statistics and exports read from the replica (DATABASE_REPLICA_URL, nicat.core.replica); everything else,
every write and the audit of those reads go to the primary.

On both engines the router is proven with the test settings' `replica` alias, a mirror of the test
database (a second connection to it). On PostgreSQL a real streaming replica of a private cluster is
started: with its replay paused, `nicat serve` answers the statistics from the replica's (older) state
while the case list shows the primary's, and the replica refuses writes."""
import json
import os
import subprocess
import sys
import time

import pytest
from django.db import connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

both = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
WRITES = ("INSERT", "UPDATE", "DELETE")


def _sql(context):
    return [q["sql"] for q in context.captured_queries]


def _audit_appends(sql):
    """Audit appends among these statements (SQLite: an INSERT; PostgreSQL: the append function)."""
    return sum('INSERT INTO "audit_auditevent"' in s or "nicat_audit_append(" in s for s in sql)


def _supervisor(cast):
    from nicat.accounts.models import Role
    from tests.support.world import make_user

    return make_user("supervisor", cast.ngo, Role.SUPERVISOR)


@both
def test_statistics_read_the_replica_and_audit_on_the_primary(cast, api):
    cast.open_case()
    client = api(_supervisor(cast))
    with override_settings(NICAT_REPLICA_ALIAS="replica"), \
            CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        answer = client.get("/api/v1/statistics/cases/", {"by": "year"})
        report = client.get("/api/v1/statistics/proceedings/", {"by": "year"})
    assert answer.status_code == 200 and answer.json()["total"] == 1 and report.status_code == 200
    replica, primary = _sql(on_replica), _sql(on_primary)
    assert any('FROM "cases_case"' in s for s in replica)  # the counting
    assert not any(s.lstrip().upper().startswith(WRITES) for s in replica)
    assert _audit_appends(primary) == 2  # each read audited, on the primary
    assert not any('FROM "cases_case"' in s for s in primary)


@both
def test_the_htcds_export_reads_the_replica(cast):
    from nicat.exchange.services import export

    cast.open_case()
    with override_settings(NICAT_REPLICA_ALIAS="replica"), \
            CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        text, count = export(actor=cast.admin, fmt="json")
    assert count == 1
    assert any('FROM "cases_case"' in s for s in _sql(on_replica))
    assert _audit_appends(_sql(on_primary)) == 1
    assert not any(s.lstrip().upper().startswith(WRITES) for s in _sql(on_replica))


@both
def test_everything_else_reads_the_primary(cast, api):
    cast.open_case()
    client = api(cast.worker)
    with override_settings(NICAT_REPLICA_ALIAS="replica"), \
            CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get("/api/v1/cases/").json()["count"] == 1
    assert on_replica.captured_queries == []


@both
def test_without_a_replica_statistics_read_the_primary(cast, api):
    cast.open_case()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert api(_supervisor(cast)).get("/api/v1/statistics/cases/", {"by": "year"}).json()["total"] == 1
    assert on_replica.captured_queries == []


@both
def test_inside_a_transaction_on_the_primary_reads_stay_there():
    from nicat.core.replica import replica_alias, replica_reads

    with override_settings(NICAT_REPLICA_ALIAS="replica"), replica_reads():
        assert replica_alias() == "replica"
        with transaction.atomic():
            assert replica_alias() is None  # read what the transaction wrote and locked
    with override_settings(NICAT_REPLICA_ALIAS="replica"):
        assert replica_alias() is None  # not asked for


# --- A real streaming replica (PostgreSQL) ------------------------------------------------------------

@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") != "postgres", reason="PostgreSQL only (streaming replica)")
def test_a_streaming_replica_serves_the_statistics(cast, private_primary, tmp_path):
    from nicat.accounts.tokens import issue_token
    from nicat.ops.tests.test_faults import _test_database_url, fetch, wait_up
    from nicat.ops.tests.test_two_servers import ROOT, _env, _free_port

    cast.open_case()
    supervisor_token, worker_token = issue_token(user=_supervisor(cast)), issue_token(user=cast.worker)
    private_primary.copy_database_from(_test_database_url(), "nicat")
    replica = private_primary.replica()
    try:
        replica.wait_ready()
        env = {**_env(tmp_path), "DATABASE_URL": private_primary.url("nicat"),
               "DATABASE_REPLICA_URL": replica.url("nicat")}
        port = _free_port()
        log = tmp_path / "serve.log"
        server = subprocess.Popen([sys.executable, "-m", "nicat", "serve", "--port", str(port), "--workers", "1"],
                                  cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}"

        def statistics_total():
            status, _h, text = fetch(f"{base}/api/v1/statistics/cases/?by=year", token=supervisor_token)
            assert status == 200, text[:300]
            return json.loads(text)["total"]

        def audited_reads():
            return int(private_primary.sql("SELECT count(*) FROM audit_auditevent WHERE action = 'statistics.view'",
                                           "nicat"))

        try:
            wait_up(port, server, log)
            assert statistics_total() == 1
            replica.sql("SELECT pg_wal_replay_pause()")  # the replica stops applying the primary's changes
            new_case = {"person": {"given_name": "Nərgiz", "family_name": "Həsənova", "birth_date": "1995-02-03"},
                        "came_to_notice": "hotline", "scope": "internal", "summary": "After the pause."}
            for _ in range(2):
                assert fetch(f"{base}/api/v1/cases/", method="POST", token=worker_token, body=new_case)[0] == 201
            assert private_primary.sql("SELECT count(*) FROM cases_case", "nicat") == "3"
            assert replica.sql("SELECT count(*) FROM cases_case", "nicat") == "1"
            _s, _h, cases = fetch(f"{base}/api/v1/cases/", token=worker_token)
            assert json.loads(cases)["count"] == 3  # the case list reads the primary
            before = audited_reads()
            assert statistics_total() == 1  # the statistics: the replica's state
            assert audited_reads() == before + 1  # and that read was audited, on the primary

            replica.sql("SELECT pg_wal_replay_resume()")
            deadline = time.monotonic() + 15
            while statistics_total() != 3:
                assert time.monotonic() < deadline, "the replica never caught up"
                time.sleep(0.3)

            with pytest.raises(RuntimeError, match="read-only transaction"):
                replica.sql("DELETE FROM cases_case", "nicat")

            replica.stop()  # the replica down: statistics answer 503 (try again), case work goes on
            status, headers, _t = fetch(f"{base}/api/v1/statistics/cases/?by=year", token=supervisor_token)
            assert status == 503 and headers["Retry-After"] == "5"
            assert fetch(f"{base}/api/v1/cases/", token=worker_token)[0] == 200
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
    finally:
        replica.destroy()


@both
def test_the_published_datasets_beside_the_statistics_read_the_replica(cast, client):
    from nicat.statistics.models import Dataset, DatasetRow

    cast.open_case()
    dataset = Dataset.objects.create(name="CTDC 2024", columns=["gender"], row_count=12)
    DatasetRow.objects.bulk_create([DatasetRow(dataset=dataset, values=["Female"]) for _ in range(12)])
    client.force_login(cast.analyst)
    with override_settings(NICAT_REPLICA_ALIAS="replica"), \
            CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get("/statistics/")
    assert page.status_code == 200 and "CTDC 2024" in page.content.decode()
    assert any('FROM "statistics_dataset"' in s for s in _sql(on_replica))
    assert not any('FROM "statistics_dataset"' in s for s in _sql(on_primary))
