"""Access matrix entries of the HTCDS exchange through the API (format: tests/support/matrix.py): the
supervisors of the competent authority only (the matrix world's supervisor is at the Main Department);
every other role, analysts included, gets 403. The import is requested with nothing to import (400)."""
from tests.support.matrix import api

MATRIX = {
    "exchange-htcds": api({"supervisor"}, methods=("get", "post"),
                          query={"format": "json", "purpose": "access matrix: who may export"}),
}
