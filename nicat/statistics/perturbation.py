"""The cell-key method: the analysts' figures are perturbed so that two queries whose answers differ by one
record do not single that record out (statistical disclosure control of the Australian Bureau of Statistics'
TableBuilder and of the ONS for the 2021 Census).

Every record (a case, a hotline contact) has a key, key(id) = (A × id) mod M, with A a secret odd
multiplier derived from SECRET_KEY (HMAC) and M = 2**32. A cell's key is the sum of its records' keys mod M,
= (A × the sum of their ids) mod M, so the database only has to SUM the ids next to the COUNT
(selectors.grouped_counts, the stored totals' `id_sum`). The noise of a cell is looked up in
suppression.PERTURBATION at a position in [0, 1) given by a keyed hash of the cell's key, its count (as ABS's
table is indexed by both) and the key of the whole table's records: the same records in the same table
always get the same figure (no averaging by asking again), two sets that differ by one record get unrelated
noise, and when one record joins a table every figure of the table changes — not only the cell that gained it,
which would otherwise be pointed out by the cells that kept their figures.

A published figure: 0 stays 0; a count of at least k is never published below k; nothing is negative.
"""
from django.utils.crypto import salted_hmac

from nicat.statistics import suppression

MODULUS = 2 ** 32
_SALT = "nicat.statistics.perturbation"


def multiplier():
    """A: the secret odd multiplier of the record keys, derived from SECRET_KEY."""
    digest = salted_hmac(_SALT, "record-key multiplier", algorithm="sha256").digest()
    return (int.from_bytes(digest[:8], "big") % MODULUS) | 1


def cell_key(id_sum, a=None):
    """The key of a cell whose records' ids add up to `id_sum`: (A × id_sum) mod M."""
    return ((multiplier() if a is None else a) * int(id_sum or 0)) % MODULUS


def noise(key, count, table_key=0):
    """The perturbation of a cell of `count` records whose cell key is `key`, in a table whose records have the
    key `table_key` (suppression.PERTURBATION). The table's key is part of the lookup: when one record joins a
    table, every figure of it gets a new noise, not only the cell that gained it — otherwise the cells that
    kept their figures would point at the one that moved, and so at the new record's values."""
    digest = salted_hmac(_SALT, f"lookup {key} {count} {table_key}", algorithm="sha256").digest()
    position = int.from_bytes(digest[:8], "big") / 2 ** 64
    cumulative = 0.0
    table = suppression.PERTURBATION
    for value, probability in table:
        cumulative += probability
        if position < cumulative:
            return value
    return table[-1][0]


def published(count, id_sum, k, a=None, table_sum=0):
    """The figure shown for a true `count` of records whose ids add up to `id_sum`, in a table whose records'
    ids add up to `table_sum`."""
    if not count:
        return 0
    figure = count + noise(cell_key(id_sum, a), count, cell_key(table_sum, a))
    return max(figure, k if count >= k else 1)
