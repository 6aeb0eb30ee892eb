"""A pytest plugin that names every transaction that appends to the audit trail and only afterwards takes a case's
lock — the order that can meet a merge, its undo or an erasure in a deadlock on PostgreSQL (docs/security.md,
"6 December 2026 (morning)" and "(late morning)"):

    PYTHONPATH=tools .venv/bin/pytest -p lock_order nicat [--lock-order-report FILE]

A merge, its undo and an erasure lock the cases they change for update and then append; a write takes the
key-share lock on its case when it reads the key to seal a value under (`Case.sealing_key_id`, and
`CaseTrailKey.key_of` when it makes the case's trail key) and appends last. A write that appends first holds the
chain's lock while it waits for the case, which the other holds while it waits for the chain: PostgreSQL ends
one of the two (a 503 "send it again"). The plugin watches each service's transaction (the outermost block a
test did not open itself): after its first append, a case whose key it reads for the first time — not created in
that transaction, whose row no one else can lock — is reported with the code path that read it. A case locked
by a foreign key's insert is not seen (a false report, to be read in the code). Run of 6 December 2026 over the
apps' tests (1,618): one report, `assistance.services.shelters.transfer`, a false one (the new stay's insert
locks the case before the first append).

It changes nothing the tests assert; it only counts. Not part of `make test`.
"""
import collections
import traceback
import types

import pytest

found: collections.Counter = collections.Counter()
_test_depth = [0]


def pytest_addoption(parser):
    parser.addoption("--lock-order-report", default="", help="write the reports to this file too")


def _blocks(connection):
    if not hasattr(connection, "_lock_order_blocks"):
        connection._lock_order_blocks = []
    return connection._lock_order_blocks


def _service_block(connection):
    blocks = _blocks(connection)
    return blocks[_test_depth[0]] if len(blocks) > _test_depth[0] else None


def _path():
    frames = [f for f in traceback.extract_stack()[:-3]
              if "/nicat/" in f.filename and "/tests/" not in f.filename and "lock_order" not in f.filename]
    return " <- ".join(f"{f.filename.split('/nicat/')[-1]}:{f.name}:{f.lineno}" for f in reversed(frames[-6:]))


@pytest.fixture(autouse=True)
def _lock_order_depth(request):
    from django.db import connection

    if request.node.get_closest_marker("django_db") or "db" in request.fixturenames:
        request.getfixturevalue("_django_db_helper")  # the test's own transaction first: not a service's
    _test_depth[0] = len(_blocks(connection))
    yield


def pytest_collection_modifyitems(session, config, items):
    from django.db import connection, connections, transaction
    from django.db.models.signals import post_save

    from nicat.audit import services as audit
    from nicat.cases import models as cases

    enter, leave = transaction.Atomic.__enter__, transaction.Atomic.__exit__

    def watched_enter(self):
        _blocks(connections[self.using or "default"]).append(types.SimpleNamespace(appended=False, held=set()))
        return enter(self)

    def watched_exit(self, *exc):
        try:
            return leave(self, *exc)
        finally:
            blocks = _blocks(connections[self.using or "default"])
            if blocks:
                blocks.pop()

    transaction.Atomic.__enter__, transaction.Atomic.__exit__ = watched_enter, watched_exit
    append = audit._append

    def watched_append(fields):
        block = _service_block(connection)
        if block is not None:
            block.appended = True
        return append(fields)

    audit._append = watched_append

    def locks(kind, case_pk):
        block = _service_block(connection)
        if block is None:
            return
        if block.appended and case_pk not in block.held:
            found[(kind, _path())] += 1
        block.held.add(case_pk)

    def created(sender, instance, created, **kwargs):
        block = _service_block(connection)
        if created and block is not None:
            block.held.add(instance.pk)

    post_save.connect(created, sender=cases.Case, weak=False)
    sealing_key_id, key_of = cases.Case.sealing_key_id, cases.CaseTrailKey.key_of.__func__

    def watched_sealing_key_id(self):
        if self.pk is not None:
            locks("sealing key", self.pk)
        return sealing_key_id(self)

    def watched_key_of(cls, case):
        locks("trail key", case.pk)
        return key_of(cls, case)

    cases.Case.sealing_key_id = watched_sealing_key_id
    cases.CaseTrailKey.key_of = classmethod(watched_key_of)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = [f"{n}\t{kind}\t{path}" for (kind, path), n in found.most_common()]
    terminalreporter.write_line(f"lock order: {len(lines)} code path(s) lock a case after appending to the trail")
    for line in lines:
        terminalreporter.write_line("  " + line)
    if config.getoption("--lock-order-report"):
        with open(config.getoption("--lock-order-report"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + ("\n" if lines else ""))
