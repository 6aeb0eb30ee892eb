"""Access matrix entries of the operations endpoints (format: tests/support/matrix.py). Neither is a
page for people: /readyz answers everyone like /healthz (names of checks, no data); /metrics answers
404 to everyone without its bearer token (nicat/ops/tests/test_monitoring.py proves the token)."""
from tests.support.matrix import NOBODY, Rule, public

MATRIX = {
    "readyz": public(expect=(200, 503)),
    "metrics": Rule(allow=NOBODY, anonymous=404, denied=404),
}
