"""The cell-key method: the analysts' figures are perturbed so that two queries whose answers differ by one
record do not single that record out (statistical disclosure control of the Australian Bureau of Statistics'
TableBuilder and of the ONS for the 2021 Census).

Every record (a case, a hotline contact) has a key, key(id) = (A × id) mod M, with A a secret odd
multiplier derived from SECRET_KEY (HMAC) and M = 2**32. A cell's key is the sum of its records' keys mod M,
= (A × the sum of their ids) mod M, so the database only has to SUM the ids next to the COUNT
(selectors.grouped_counts, the stored totals' `id_sum`). The noise of a cell is looked up in
suppression.PERTURBATION at a position in [0, 1) given by a keyed hash of the cell's key and its count (as
ABS's table is indexed by both): the same records always get the same figure, whatever the table or query
(no averaging by asking again), and two sets that differ by one record get unrelated noise.

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


def noise(key, count):
    """The perturbation of a cell of `count` records whose cell key is `key` (suppression.PERTURBATION)."""
    digest = salted_hmac(_SALT, f"lookup {key} {count}", algorithm="sha256").digest()
    position = int.from_bytes(digest[:8], "big") / 2 ** 64
    cumulative = 0.0
    table = suppression.PERTURBATION
    for value, probability in table:
        cumulative += probability
        if position < cumulative:
            return value
    return table[-1][0]


def published(count, id_sum, k, a=None):
    """The figure shown for a true `count` of records whose ids add up to `id_sum`."""
    if not count:
        return 0
    figure = count + noise(cell_key(id_sum, a), count)
    return max(figure, k if count >= k else 1)
