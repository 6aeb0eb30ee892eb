"""Access matrix entries of the vocabulary API (format: tests/support/matrix.py): reference data for
every signed-in user."""
from tests.support.matrix import EVERYONE, api

MATRIX = {
    "vocabulary-list": api(EVERYONE),
    "vocabulary-detail": api(EVERYONE, literals={"vocabulary": "gender"}),
}
