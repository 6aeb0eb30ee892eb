"""The database's own disk full, for real (issue 18, item 6): a PRIVATE PostgreSQL cluster (nicat.ops.tests.
pgcluster) whose Nicat database lives in a tablespace on a small tmpfs mounted for the test, filled up to the
last page but about a megabyte. `nicat serve` takes intakes through the API until PostgreSQL cannot extend a file
any more.

What a user must see: a 503 that says the database has no room (a JSON problem `storage_full`, Retry-After),
never a 500; nothing half-written — every case answered 201 is whole (its person, its audit event), the one
refused left no row; the audit chain verifies; once the operator makes room, the next intake succeeds without
restarting Nicat."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from nicat.ops.tests.test_faults import _test_database_url, fetch, wait_up
from nicat.ops.tests.test_two_servers import ROOT, _env, _free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") != "postgres", reason="PostgreSQL only (faults)")]

VOLUME_MB = 48  # the migrated test database is ~18 MB; the rest is filled before the intakes
MAX_INTAKES = 400  # tables keep some room in their last pages: intakes go on until one must grow a file


@pytest.fixture
def full_cluster(private_primary):
    """The private cluster with a tablespace `small` on a tmpfs of VOLUME_MB (mounted here)."""
    volume = private_primary.work / "volume"
    volume.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={VOLUME_MB}m,mode=0700", "tmpfs", str(volume)],
                             capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("a tmpfs cannot be mounted here (needs root): the database's full disk is answered by "
                    "test_unavailable.py with the database's own error instead")
    try:
        if os.geteuid() == 0:
            shutil.chown(volume, "postgres", "postgres")
        private_primary.sql(f"CREATE TABLESPACE small LOCATION '{volume}'")
        yield private_primary
    finally:
        private_primary.destroy()  # stopped before its volume goes
        subprocess.run(["umount", str(volume)], capture_output=True)


ROWS = ("SELECT string_agg(md5(random()::text || g::text), '') "  # ~1.6 kB a row, incompressible
        "FROM generate_series(1, {n}) AS r(i), generate_series(1, 50) AS g GROUP BY i")


def _fill(cluster, *, leave_kb):
    """Fill the tablespace up to its last page, then free about `leave_kb`: the intakes that fit go through,
    then one needs a page more than there is."""
    for table in ("reserve", "filler"):
        cluster.sql(f"CREATE TABLE {table} (x text) TABLESPACE small", "nicat")
        cluster.sql(f"ALTER TABLE {table} ALTER x SET STORAGE PLAIN", "nicat")
    cluster.sql("INSERT INTO reserve " + ROWS.format(n=leave_kb * 1024 // 1700), "nicat")
    for _ in range(200):
        try:
            cluster.sql("INSERT INTO filler " + ROWS.format(n=1000), "nicat")
        except RuntimeError as exc:
            assert "No space left on device" in str(exc) or "could not extend" in str(exc), exc
            break
    else:
        raise AssertionError("the tablespace never filled up")
    cluster.sql("DROP TABLE reserve", "nicat")


def test_the_database_disk_full_is_a_clear_503_and_nothing_half_written(cast, full_cluster, tmp_path):
    from nicat.accounts.tokens import issue_token

    token = issue_token(user=cast.worker)
    full_cluster.copy_database_from(_test_database_url(), "nicat")  # the migrated test database, with the cast
    full_cluster.sql("ALTER DATABASE nicat SET TABLESPACE small")  # every table and index onto the small volume
    cases_before = int(full_cluster.sql("SELECT count(*) FROM cases_case", "nicat"))
    _fill(full_cluster, leave_kb=1024)

    env = {**_env(tmp_path), "DATABASE_URL": full_cluster.url("nicat"), "NICAT_REQUIRE_2FA": "false"}
    port = _free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "nicat", "serve", "--port", str(port), "--workers", "1"],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def intake(i):
        return fetch(f"{base}/api/v1/cases/", method="POST", token=token, language="en", body={
            "person": {"given_name": "Nərgiz", "family_name": f"Həsənova{'x' * (i % 7)}", "birth_date": "1995-02-03"},
            "came_to_notice": "hotline", "scope": "internal", "summary": f"Intake {i} on a full disk."})

    try:
        wait_up(port, server, log)
        created, refused = [], None
        for i in range(MAX_INTAKES):
            status, headers, text = intake(i)
            if status != 201:
                refused = (status, headers, text)
                break
            created.append(json.loads(text)["reference"])
        assert refused is not None, f"{MAX_INTAKES} intakes fitted on the full volume"
        assert created, "not even one intake fitted in the room left"
        status, headers, text = refused
        assert status == 503, (status, text[:500])
        problem = json.loads(text)
        assert problem["code"] == "storage_full" and "no room left" in problem["detail"], problem
        assert headers["Content-Type"].startswith("application/problem+json") and headers["Retry-After"] == "300"
        assert "database full" in log.read_text()  # the operator's log says so (no name in it)
        assert "Həsənova" not in log.read_text() and "Traceback" not in log.read_text()
        print(f"{len(created)} intakes fitted before the disk refused one")

        # Nothing half-written: the cases are those answered 201, each with its person and its audit event.
        references = set(full_cluster.sql("SELECT reference FROM cases_case", "nicat").split())
        assert set(created) <= references and len(references) == cases_before + len(created)
        assert full_cluster.sql("SELECT count(*) FROM cases_case c LEFT JOIN persons_person p "
                                "ON p.id = c.person_id WHERE p.id IS NULL", "nicat") == "0"
        audited = set(full_cluster.sql("SELECT case_reference FROM audit_auditevent "
                                       "WHERE action = 'case.create'", "nicat").split())
        assert set(created) <= audited

        # The operator makes room; the next intake succeeds without restarting Nicat.
        full_cluster.sql("DROP TABLE filler", "nicat")
        status, _headers, text = intake(MAX_INTAKES)
        assert status == 201, text[:500]
        assert server.poll() is None
        verify = subprocess.run([sys.executable, "-m", "nicat", "audit", "verify"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
