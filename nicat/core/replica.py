"""Reads that may go to a PostgreSQL read replica (DATABASE_REPLICA_URL): statistics and exports.

Only code that asks for it reads from the replica — `with replica_reads():` or `@replica_reads` on
the statistics selectors, the annual report and the HTCDS export. Everything else, every write, and
every read inside a transaction on the primary (the audit append reads the chain head there, under
its lock) uses the primary. With no replica configured (`settings.NICAT_REPLICA_ALIAS` is None)
everything reads the primary, as before.

A replica lags the primary by a moment: a count read there may miss the case registered a second ago.
That is acceptable for aggregates and exports; it is why nothing else reads there."""
from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_wanted = ContextVar("nicat_replica_reads", default=False)


class _ReplicaReads(ContextDecorator):
    def _recreate_cm(self):
        return _ReplicaReads()  # one per call: a decorated function runs in several threads at once

    def __enter__(self):
        self._token = _wanted.set(True)

    def __exit__(self, *exc):
        _wanted.reset(self._token)
        return False


def replica_reads(func=None):
    """Reads in `with replica_reads():` or in a function decorated `@replica_reads` go to the replica
    when one is configured."""
    return _ReplicaReads()(func) if func is not None else _ReplicaReads()


def replica_alias():
    """The alias a read goes to now, when that is the replica; None for the primary."""
    alias = getattr(settings, "NICAT_REPLICA_ALIAS", None)
    if not alias or not _wanted.get() or alias not in connections.settings:
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None  # inside a transaction on the primary: read what it wrote (and what it locked)
    return alias


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads asked for by replica_reads() go to the replica; all else to default."""

    def db_for_read(self, model, **hints):
        return replica_alias() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS  # also for an object read from the replica: the replica refuses writes

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema by streaming
