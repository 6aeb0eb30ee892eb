"""Access matrix entries of the legal parameters (format: tests/support/matrix.py): every signed-in
member of staff may read the parameters in force; changing them is the Django admin's (web)."""
from tests.support.matrix import EVERYONE, page

MATRIX = {
    "legal:parameters": page(EVERYONE),
}
