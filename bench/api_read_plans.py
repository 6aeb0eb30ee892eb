"""Where the PostgreSQL server's time for one audited API case read goes: planning against execution.

    NICAT_DEV=1 DATABASE_URL=postgresql://postgres@127.0.0.1:5432/DB .venv/bin/python bench/api_read_plans.py

DB is a database with the demo world (`nicat migrate`, `nicat demo`); the script issues an API token for
ngo.worker (audited, as `nicat token` does), reads a case of the worker's NGO through the API with the Django
test client, captures the statements of one read and prints, for each SELECT, PostgreSQL's planning and
execution time (`EXPLAIN (ANALYZE, SUMMARY)` of the same text and values) — the planning each request paid
before the hot statements were prepared (`NICAT_DB_PREPARE`, which this script turns off for itself). The audit append (a function call)
is not explained: it would append. See docs/performance.md, "Prepared hot statements".
"""
import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nicat.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# Client-side binding for this script: Django's log then holds each statement with its values, to be explained.
# (EXPLAIN plans the text afresh either way: what it shows is the planning a read costs when not prepared.)
os.environ["NICAT_DB_PREPARE"] = "0"
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from nicat.accounts.models import User  # noqa: E402
from nicat.accounts.tokens import issue_token  # noqa: E402


def main():
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database with the demo world.")
    token = issue_token(user=User.objects.get(username="ngo.worker"), name="plans", actor=None)
    client = Client(HTTP_AUTHORIZATION="Token " + token, HTTP_ACCEPT="application/json")
    listed = client.get("/api/v1/cases/").json()
    listed = listed.get("results", listed)
    uuid = next((c for c in listed if c.get("summary")), listed[0])["uuid"]
    for _ in range(3):
        client.get(f"/api/v1/cases/{uuid}/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/api/v1/cases/{uuid}/").status_code == 200
    print(f"{len(ctx.captured_queries)} statements in one read")
    with connection.cursor() as cursor:
        for sql in (q["sql"] for q in ctx.captured_queries):
            text = sql.lstrip()
            if not text.upper().startswith("SELECT") or "nicat_audit_append" in text or "%s" in text:
                print(f"  {'-':>8} {'-':>8}  {text[:90]}")
                continue
            cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + text)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            print(f"  plan {plan[0]['Planning Time']:6.3f} exec {plan[0]['Execution Time']:6.3f} ms  {text[:90]}")


if __name__ == "__main__":
    main()
