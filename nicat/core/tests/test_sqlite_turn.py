"""SQLite writers take their turn before `BEGIN IMMEDIATE` (nicat.core.sqlite): the threads of a process queue
on a lock of the process, the processes on a lock of a file beside the database; the wait is bounded by the
database's timeout; every way a transaction ends gives the turn back. (What it is for — an audited read no
longer sleeping in SQLite's busy handler — is measured by bench/api_read.py, docs/performance.md.)"""
import os
import threading
import time

import pytest
from django.db import OperationalError, connection, connections, transaction

from nicat.audit.models import AuditEvent
from nicat.audit.services import record
from nicat.core.sqlite.base import _turn

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write turn")]


def turn():
    return _turn(connection.settings_dict["NAME"])


def test_every_end_of_a_transaction_gives_the_turn_back():
    with transaction.atomic():
        record(actor=None, action="test.turn")
        assert turn().threads.locked()
    assert not turn().threads.locked()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=None, action="test.turn")
        raise RuntimeError("the change fails after its append")
    assert not turn().threads.locked()
    atomic = transaction.atomic()
    atomic.__enter__()
    record(actor=None, action="test.turn")
    connection.close()  # a connection lost in the middle of a transaction
    atomic.__exit__(None, None, None)
    assert not turn().threads.locked()
    with transaction.atomic():
        record(actor=None, action="test.turn")
    assert AuditEvent.objects.filter(action="test.turn").count() == 2


def test_writers_in_threads_wait_for_their_turn_and_none_is_refused():
    """Eight threads appending to the audit chain at once: every append is written, in one unbroken chain."""
    errors = []

    def append(n):
        try:
            for _ in range(n):
                record(actor=None, action="test.turn")
        except Exception as error:  # pragma: no cover - what the test is looking for
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(25,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.filter(action="test.turn").count() == 200
    from nicat.audit.verify import verify_chain

    assert verify_chain().ok


def test_a_writer_waits_for_the_turn_no_longer_than_the_database_timeout(settings):
    held = threading.Event()
    release = threading.Event()

    def hold():
        with transaction.atomic():
            record(actor=None, action="test.turn")
            held.set()
            release.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    options = connection.settings_dict.setdefault("OPTIONS", {})
    timeout = options.get("timeout")
    options["timeout"] = 0.3
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            record(actor=None, action="test.turn")
        assert time.monotonic() - started < 5
    finally:
        options["timeout"] = timeout
        release.set()
        holder.join()
    with transaction.atomic():  # the turn came back to this thread's next transaction
        record(actor=None, action="test.turn")
    assert AuditEvent.objects.filter(action="test.turn").count() == 2


def test_processes_take_turns_through_the_lock_file():
    """A process forked from this one (as gunicorn forks its workers) holds the turn: this process does not
    get it until the child gives it back. A descriptor inherited through the fork would have shared the lock."""
    assert turn().take(1)  # this process has opened its descriptor before the fork
    turn().give()
    assert os.path.exists(connection.settings_dict["NAME"] + "-writer")
    assert oct(os.stat(connection.settings_dict["NAME"] + "-writer").st_mode & 0o777) == "0o600"
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            turn().take(5)
            os.write(write_fd, b"1")
            time.sleep(1.0)
            turn().give()
        finally:
            os._exit(0)
    try:
        assert os.read(read_fd, 1) == b"1"
        assert turn().take(0.2) is False  # the child has it
        started = time.monotonic()
        assert turn().take(5) is True  # … until it gives it back
        assert time.monotonic() - started < 4
        turn().give()
    finally:
        os.waitpid(pid, 0)
        os.close(read_fd)
        os.close(write_fd)


def test_statements_with_a_literal_percent_sign_are_rewritten_alike_every_time():
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT '100%%' || %s, %s LIKE '%%b%%'", ["!", "abc"])
            assert cursor.fetchone() == ("100%!", 1)
