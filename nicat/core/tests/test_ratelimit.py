"""The public doors' limit per client address counts every request once, whichever process of whichever server
answers it (nicat.core.ratelimit; docs/security.md, "a public door's limit counts across the processes")."""
import concurrent.futures
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from nicat.core import ratelimit
from nicat.core.models import RateCount
from tests.support.processes import ROOT, product_env, stop


@pytest.mark.django_db
def test_the_limit_counts_per_door_and_client_and_starts_again_when_the_window_ends():
    t = 1_800_000_000
    assert [ratelimit.over_limit("door", "203.0.113.7", 2, window=60, now=t + i) for i in range(4)] == [
        False, False, True, True]
    # another client, another door: counted apart
    assert not ratelimit.over_limit("door", "198.51.100.9", 2, window=60, now=t + 5)
    assert not ratelimit.over_limit("other", "203.0.113.7", 2, window=60, now=t + 5)
    # the window opened by the first request ends at t + 60: the count starts again at one
    assert not ratelimit.over_limit("door", "203.0.113.7", 2, window=60, now=t + 60)
    assert not ratelimit.over_limit("door", "203.0.113.7", 2, window=60, now=t + 61)
    assert ratelimit.over_limit("door", "203.0.113.7", 2, window=60, now=t + 62)


@pytest.mark.django_db
def test_no_address_is_kept_and_ended_windows_are_forgotten():
    t = 1_800_000_000
    ratelimit.over_limit("door", "203.0.113.7", 5, window=60, now=t)
    ratelimit.over_limit("door", "198.51.100.9", 5, window=60, now=t + 30)
    rows = list(RateCount.objects.values_list("key", "window_ends", "count"))
    assert sorted(rows) == sorted([(ratelimit.key_of("door", "203.0.113.7"), t + 60, 1),
                                   (ratelimit.key_of("door", "198.51.100.9"), t + 90, 1)])
    assert not any("203.0.113" in key or "198.51" in key for key, _e, _c in rows)
    # a new window of anyone deletes the windows that have ended, and keeps those still running
    ratelimit.over_limit("door", "192.0.2.1", 5, window=60, now=t + 70)
    assert sorted(RateCount.objects.values_list("window_ends", flat=True)) == [t + 90, t + 130]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") != "postgres", reason="PostgreSQL: concurrent connections")
def test_requests_counted_at_once_on_many_connections_are_each_counted():
    """Eight threads, each with its own connection, count 80 requests of one client at once: exactly the limit
    of them pass, whatever the interleaving (one statement adds one; nothing is read and written back)."""
    def count(_i):
        try:
            return ratelimit.over_limit("door", "203.0.113.7", 30)
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(count, range(80)))
    assert answers.count(False) == 30
    assert RateCount.objects.get(key=ratelimit.key_of("door", "203.0.113.7")).count == 80


# --- one server of two processes, on the test database ---------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_the_certificate_checks_of_one_address_are_limited_across_the_servers_processes(tmp_path):
    """`nicat serve` answers with two processes; the limit is 3 checks an hour. Twelve checks from one address,
    each on a new connection (the kernel spreads them over both processes), get three answers and nine 429s.
    With a counter in each process's memory, each process let three through: up to six."""
    from nicat.audit.checkpoints import _dev_key_path, signing_key
    from nicat.ops.tests.test_two_servers import _free_port, _wait_up

    signing_key()  # the signing key every process shares (development: generated into the test var dir)
    port = _free_port()
    env = product_env(tmp_path, NICAT_INPROCESS_JOBS="false", NICAT_AUDIT_SIGNING_KEY_FILE=_dev_key_path(),
                      NICAT_CERTIFICATE_CHECKS_PER_HOUR=3)
    proc = subprocess.Popen([sys.executable, "-m", "nicat", "serve", "--port", str(port), "--workers", "2"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        _wait_up(port, proc)
        deadline = time.monotonic() + 60  # the master may answer before it forked the second process
        while len(Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        statuses = []
        for i in range(12):
            url = f"http://127.0.0.1:{port}/identification/verify/?number=NCT-2026-{i:06d}-ABCDEF12&code=AAAA"
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        assert (statuses.count(200), statuses.count(429)) == (3, 9), statuses
        assert statuses[:3] == [200] * 3
    finally:
        stop(proc)



@pytest.mark.django_db
def test_an_ipv6_client_is_counted_by_its_network_not_by_each_address_it_may_take():
    """A host on IPv6 is given a /64 network and may send each request from another address of it: counted per
    address, a script there was never limited. An IPv4 address written as IPv6 is that IPv4 address."""
    t = 1_800_000_000
    same_host = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"]
    assert [ratelimit.over_limit("door", a, 2, window=60, now=t) for a in same_host] == [False, False, True]
    assert not ratelimit.over_limit("door", "2001:db8:1:3::1", 2, window=60, now=t)  # another network
    assert not ratelimit.over_limit("door", "203.0.113.7", 1, window=60, now=t)
    assert ratelimit.over_limit("door", "::ffff:203.0.113.7", 1, window=60, now=t)
    assert ratelimit.counted_as("not an address") == "not an address" and ratelimit.counted_as(None) == "-"
