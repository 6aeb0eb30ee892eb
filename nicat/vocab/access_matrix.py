"""Access matrix entries of the vocabulary API (format: nicat/access/matrix.py): reference data for
every signed-in user."""
from nicat.access.matrix import EVERYONE, api

MATRIX = {
    "vocabulary-list": api(EVERYONE),
    "vocabulary-detail": api(EVERYONE, literals={"vocabulary": "gender"}),
}
