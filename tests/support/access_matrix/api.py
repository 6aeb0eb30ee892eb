"""Access matrix entries of the API's own routes (format: tests/support/matrix.py)."""
from tests.support.matrix import ALLOW, EVERYONE, api

MATRIX = {
    "api-root": api(EVERYONE),
    # The OpenAPI document and its viewer are public (INTERFACES.md): they describe, never hold, data.
    "api-schema": api(EVERYONE, anonymous=ALLOW),
    "api-docs": api(EVERYONE, anonymous=ALLOW),
    # Any other path under /api/v1/: a JSON 404 for everyone (there is nothing to protect).
    "api-not-found": api(EVERYONE, anonymous=404, expect=(404,), literals={"rest": "no-such-thing/"}),
}
