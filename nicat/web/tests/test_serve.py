"""`nicat serve` spreads kept-alive connections over its worker processes, and refuses a port another server
holds (docs/performance.md, "Connections spread over the workers")."""
import base64
import concurrent.futures
import glob
import http.client
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nicat.ops.tests.test_two_servers import _free_port, _wait_up
from tests.support.processes import stop

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") == "postgres",
                                reason="the server's sockets, not the database: run once, on the SQLite run")


def _serve(var_dir, port):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "NICAT_DEV": "1", "NICAT_VAR_DIR": str(var_dir),
           "DATABASE_URL": f"sqlite:///{var_dir}/serve.sqlite3", "SECRET_KEY": "test-serve-secret-key",
           "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(b"s" * 32).decode(),
           "NICAT_INDEX_KEY": base64.urlsafe_b64encode(b"t" * 32).decode(), "NICAT_INPROCESS_JOBS": "false",
           "WEB_CONCURRENCY": "2", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "nicat", "serve", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _get(port, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    response.read()
    return conn, response.status


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var_dir, port = tmp_path_factory.mktemp("serve"), _free_port()
    proc = _serve(var_dir, port)
    try:
        _wait_up(port, proc, seconds=120)
        # the first worker may answer before the master has forked the second (a loaded machine)
        deadline = time.monotonic() + 60
        while True:
            workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
            if len(workers) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(workers) == 2
        yield proc, port, workers, var_dir
    finally:
        stop(proc)


def _socket_inodes(pid):
    found = set()
    for fd in glob.glob(f"/proc/{pid}/fd/*"):
        try:
            match = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
        except OSError:
            continue
        if match:
            found.add(match.group(1))
    return found


def _established_server_sides(port):
    """The inodes of the server's ends of established connections to `port` (IPv4 loopback)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
            inodes.add(fields[9])
    return inodes


def test_kept_alive_connections_are_spread_over_both_workers(server):
    """Sixteen clients connect at once and keep their connections (as wrk does, or a proxy's upstream pool): each
    worker holds some of them, round after round. With one shared listening socket the worker that woke first
    could take all sixteen for good, and the server answered at half its capacity."""
    _proc, port, workers, _var = server
    for _round in range(5):
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(16)]
        try:
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                assert [status for _c, status in pool.map(lambda c: _get(port, c), conns)] == [200] * 16
            ends = _established_server_sides(port)
            held = [len(_socket_inodes(pid) & ends) for pid in workers]
            assert sum(held) == 16
            assert min(held) >= 1, f"every connection on one worker: {held}"
        finally:
            for conn in conns:
                conn.close()


def test_the_first_line_says_the_shape_the_benchmarks_read_back(server):
    """The benchmarks report the server's shape from its first line (bench/api_read.py, bench/load.py), with the
    pattern written beside the line: this server was asked for 2 processes and, on SQLite, has 1 thread each."""
    from nicat.web.started import STARTED_SHAPE

    proc, port, _workers, _var = server
    fd, printed, deadline = proc.stdout.fileno(), b"", time.monotonic() + 10
    os.set_blocking(fd, False)  # the line was printed before the workers were forked; read what is there
    while b"\n" not in printed.partition(b"Nicat on ")[2] and time.monotonic() < deadline:
        printed += os.read(fd, 65536) if select.select([fd], [], [], 1)[0] else b""
    line = next(x for x in printed.decode().splitlines() if x.startswith("Nicat on "))
    assert STARTED_SHAPE.search(line).groups() == ("2", "1"), line
    assert line.startswith(f"Nicat on http://127.0.0.1:{port}/ (2 processes of 1 thread; static from ")


def test_a_second_server_on_the_same_port_is_refused_and_the_first_keeps_serving(server, tmp_path):
    """Each worker listens on a socket of its own (SO_REUSEPORT), which by itself would let a second server of the
    same user share the port silently — half the requests answered by the other (an old release, another
    database). It is refused with the reason."""
    _proc, port, _workers, _var = server
    second = _serve(tmp_path, port)
    out, _ = second.communicate(timeout=120)
    assert second.returncode != 0
    assert f"Cannot listen on 127.0.0.1:{port}" in out and "another server" in out
    assert _get(port)[1] == 200


def test_what_the_master_loads_before_forking_opens_no_database_connection():
    """`nicat serve` loads the URL patterns and the translations in gunicorn's master, before the workers are
    forked: a database connection opened there would be inherited by every worker, their conversations mixed
    on one socket. None is opened (the function also closes any, as a last defence, so the signal is what tells)."""
    from django.db import connections
    from django.db.backends.signals import connection_created
    from django.urls import reverse
    from django.utils import translation

    from nicat.web.management.commands.serve import _load_before_fork

    connections.close_all()
    opened = []

    def note(sender, connection, **kwargs):
        opened.append(connection.alias)

    connection_created.connect(note)
    try:
        _load_before_fork()
    finally:
        connection_created.disconnect(note)
    assert opened == []
    with translation.override("ru"):
        assert reverse("healthz") == "/healthz"


@pytest.mark.parametrize("engine, shape", [("nicat.core.sqlite", (3, 1)),
                                           ("django.db.backends.postgresql", (2, 2))])
def test_the_server_takes_the_shape_measured_best_for_its_database(engine, shape, monkeypatch):
    """With no WEB_CONCURRENCY or WEB_THREADS the server's shape follows its database (docs/decisions/0013): on
    SQLite processes of one thread (the database is in the process, so threads only hand the interpreter's lock
    to one another), on PostgreSQL two threads per process (one works while the other waits for the server).
    The variables, and the options above them, choose otherwise."""
    from django.conf import settings

    from nicat.web.management.commands.serve import _server_shape

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", engine)  # read only by the function under test
    assert _server_shape() == shape
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("WEB_THREADS", " 4 ")
    assert _server_shape() == (5, 4)
    assert _server_shape(workers=1, threads=8) == (1, 8)


@pytest.mark.parametrize("value", ["four", "0", "-2", "2.5"])
def test_a_server_shape_that_is_not_a_count_is_refused_with_what_to_write(value, monkeypatch):
    from django.core.management import CommandError, call_command

    from nicat.web.management.commands.serve import _server_shape

    monkeypatch.setenv("WEB_THREADS", value)
    with pytest.raises(CommandError, match=f"WEB_THREADS must be a whole number of 1 or more, not '{value}'"):
        _server_shape()
    monkeypatch.delenv("WEB_THREADS")
    with pytest.raises(CommandError, match="--workers"):  # argparse's own message names the option
        # (an address that cannot be listened on: were the count taken, the command fails at once, never serves)
        call_command("serve", "--workers", value, "--host", "256.0.0.1")
