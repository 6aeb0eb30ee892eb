"""Concurrent writers — threads and separate processes — never fork the chain or leave a gap."""
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from nicat.audit.models import AuditEvent
from nicat.audit.services import record
from nicat.audit.verify import verify_chain

ROOT = Path(__file__).resolve().parents[3]


def assert_one_intact_chain(total):
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)) == list(range(1, total + 1))
    result = verify_chain()
    assert result.ok, result.summary()
    assert result.events == total


@pytest.mark.django_db(transaction=True)
def test_threads(user):
    threads, per_thread = 6, 15
    barrier = threading.Barrier(threads)
    errors = []

    def write():
        try:
            barrier.wait()
            for n in range(per_thread):
                record(actor=user, action="api.read", details={"thread": threading.get_ident(), "n": n})
                time.sleep(0.002)  # give the others a turn, so that the writes really interleave
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert_one_intact_chain(threads * per_thread)
    order = [e.details["thread"] for e in AuditEvent.objects.order_by("sequence")]
    # Six threads one after the other switch five times; more switches prove they interleaved.
    assert sum(1 for a, b in zip(order, order[1:]) if a != b) >= threads


@pytest.mark.django_db(transaction=True)
def test_processes(user, tmp_path):
    processes, per_process = 4, 25
    record(actor=user, action="api.read")  # one from this process too
    procs = [subprocess.Popen([sys.executable, "-m", "nicat.audit.tests.writer", str(connection.settings_dict["NAME"]),
                               str(per_process), str(tmp_path), str(user.pk)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(processes)]
    deadline = time.time() + 90
    while len(list(tmp_path.glob("ready-*"))) < processes and time.time() < deadline:
        if any(p.poll() not in (None, 0) for p in procs):
            break
        time.sleep(0.02)
    (tmp_path / "go").touch()  # all start appending at the same moment, Django loaded
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-3000:]
    assert_one_intact_chain(1 + processes * per_process)
    order = [e.details["pid"] for e in AuditEvent.objects.filter(sequence__gt=1).order_by("sequence")]
    assert len(set(order)) == processes
    switches = sum(1 for a, b in zip(order, order[1:]) if a != b)
    assert switches >= processes, "the writers did not overlap; the test proved nothing"
