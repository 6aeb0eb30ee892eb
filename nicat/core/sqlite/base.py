"""SQLite whose writers queue for their turn instead of sleeping in SQLite's busy handler.

Every Nicat transaction on SQLite begins with `BEGIN IMMEDIATE`: the database's one write lock. When
two writers want it at once, the loser gets SQLITE_BUSY and SQLite's busy handler puts it to sleep in
growing steps (1, 2, 5, 10, 15 … 100 ms) however soon the lock is free again. Every audited read
appends to the audit chain, so under load most requests are writers, and an append that holds the lock
for a fraction of a millisecond made others sleep for milliseconds: the API case read's p95 was
103–120 ms with sixteen clients, 72–81 ms with the turn (docs/decisions/0011-sqlite-write-turn.md).

Here a writer first takes its turn: the threads of a process queue on a lock of the process (woken the
moment it is released), and the processes on an advisory lock of a file beside the database
(`<database>-writer`, 0600), tried again every 0.1–2 ms. Only then is `BEGIN IMMEDIATE` sent, which
finds SQLite's lock free unless a writer outside this turn holds it (a statement in autocommit mode,
another program); SQLite's busy handler still settles those. The whole wait is bounded by the
database's `timeout` (20 s), after which the transaction fails as before ("database is locked").

Django also rewrites every statement's `%s` placeholders to SQLite's `?` with a regular expression on
every execution; the rewritten text is kept here, as most statements are the same texts again and again
(the compiled hot reads of nicat.core.prepared, the audit append)."""
import contextlib
import fcntl
import functools
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class _Turn:
    """The write turn on one database file, for this process."""

    def __init__(self, name):
        self.threads = threading.Lock()
        self.path = None if not name or name == ":memory:" or name.startswith("file:") else f"{name}-writer"
        self._fd, self._pid = None, None

    def _file(self):
        # One descriptor per process: a descriptor inherited through fork() would share its lock with the
        # parent and the siblings (flock locks belong to the open file, not to the process).
        if self.path is None:
            return None
        if self._pid != os.getpid():
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:  # a read-only directory: the threads still queue, SQLite settles the rest
                self._fd, self.path = None, None
            self._pid = os.getpid()
        return self._fd

    def take(self, timeout):
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            return False
        try:
            fd = self._file()
            delay = 0.0001
            while fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self.threads.release()
                        return False
                    time.sleep(delay)
                    delay = min(delay * 2, 0.002)
        except BaseException:
            self.threads.release()
            raise
        return True

    def give(self):
        try:
            if self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_turns: dict[str, _Turn] = {}
_turns_guard = threading.Lock()


def _turn(name):
    with _turns_guard:
        return _turns.setdefault(str(name), _Turn(str(name)))


@functools.lru_cache(maxsize=2048)
def _qmark(query):
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _turn_held = None

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def _take_turn(self):
        turn = _turn(self.settings_dict["NAME"])
        if not turn.take(float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))):
            raise OperationalError("database is locked")
        self._turn_held = turn

    def _start_transaction_under_autocommit(self):
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._give_turn()
            raise

    @contextlib.contextmanager
    def write_turn(self):
        """This process's write turn around statements sent in autocommit mode — each its own transaction in
        SQLite, which takes the database's write lock when the statement starts and commits when it ends (a
        read's audit append: one INSERT, no BEGIN IMMEDIATE and COMMIT around it). Inside a transaction the
        turn is already held (or, with autocommit off, left to SQLite): nothing more is taken."""
        if self._turn_held is not None or self.in_atomic_block or not self.get_autocommit():
            yield
            return
        self._take_turn()
        try:
            yield
        finally:
            self._give_turn()

    def _give_turn(self):
        turn, self._turn_held = self._turn_held, None
        if turn is not None:
            turn.give()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._give_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._give_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._give_turn()
