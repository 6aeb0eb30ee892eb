"""Fixtures of the operations tests."""
import shutil

import pytest

from nicat.ops.tests import pgcluster


@pytest.fixture
def private_primary():
    """A private PostgreSQL cluster, started (nicat.ops.tests.pgcluster); skipped with the reason where none can be."""
    reason = pgcluster.available()
    if reason:
        pytest.skip(f"no private PostgreSQL cluster: {reason}")
    cluster = pgcluster.Cluster.primary()
    cluster.start()
    yield cluster
    cluster.destroy()
    shutil.rmtree(cluster.work, ignore_errors=True)
