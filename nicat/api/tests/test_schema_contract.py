"""The API keeps its own contract: a bounded, seeded schemathesis run against /api/v1/schema/.

Every operation of the published schema gets generated requests — valid ones, invalid ones, and
ones aimed at records that really exist — as a case worker (with a small world of cases, consents,
referrals and shelter stays) and as an analyst. Every answer must be no 5xx, have a status code
the schema documents, the content type it documents and a body that matches the documented
schema; a request the schema calls invalid must be refused. The run is deterministic (fixed seed, no example database) and bounded (a few thousand
requests; about 2 minutes on two cores). See docs/security.md, "The API keeps its contract".
"""
import collections
import os
import re
import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SEED = 1414
# Generated requests per operation and generation mode (valid, invalid), and per real record;
# the analyst is refused almost everywhere, so fewer suffice. NICAT_SCHEMATHESIS_SCALE=5 runs a
# five times longer exploration (same seed).
SCALE = int(os.environ.get("NICAT_SCHEMATHESIS_SCALE", "1"))
BUDGET = {"worker": (4 * SCALE, 3 * SCALE), "analyst": (2 * SCALE, 2 * SCALE)}
# (Refusal without a token is the access matrix's job: tests/test_access_matrix.py.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, called in process inside the test's transaction: the
    handler's end-of-request connection closing is off, as Django's own test client does."""
    from django.core.handlers.wsgi import WSGIHandler

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def build_world(cast):
    """Cases, a person with contacts, notes, events, consents, a referral to a shelter that was
    accepted, a stay, a plan — so that detail and action endpoints meet real records."""
    from tests.support.world import ShelterWorld as World

    world = World(cast)
    case = world.adult(phone="+994 50 111 22 33", email="aysel@example.org", address="Bakı, Nizami küç. 1")
    world.adult()
    from nicat.cases import services as case_services

    case_services.add_note(actor=cast.worker, case=case, text="First interview.")
    world.refer_to_shelter(case)
    world.consent(case, "referral", institution=cast.ngo2)
    return world


def harvest(app, token, paths):
    """The uuids of records each collection shows the user (first page), by collection path."""
    from werkzeug.test import Client

    client = Client(app)
    found = {}
    for path in paths:
        response = client.get(path, headers={"Authorization": f"Token {token}"})
        if response.status_code != 200:
            continue
        body = response.get_json(silent=True)
        rows = body.get("results", []) if isinstance(body, dict) else body if isinstance(body, list) else []
        found[path] = [str(r["uuid"]) for r in rows if isinstance(r, dict) and r.get("uuid")][:2]
    return found


def collection_of(path):
    """/api/v1/cases/{uuid}/notes/ -> /api/v1/cases/ (the list that names the {uuid})."""
    match = re.match(r"^(.*?/)\{(\w+)\}/", path)
    return (match.group(1), match.group(2)) if match else (None, None)


def run_contract(app, user, *, label, examples, real_examples):
    from nicat.accounts.tokens import issue_token

    started = time.monotonic()
    token = issue_token(user=user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    only = os.environ.get("NICAT_SCHEMATHESIS_ONLY")  # a regex on "GET /api/v1/…", to look at a few
    if only:
        operations = [op for op in operations if re.search(only, op.label)]
    collections_ = sorted({op.path for op in operations if op.method.upper() == "GET" and "{" not in op.path})
    real = harvest(app, token, collections_)
    # Never revoke the token the run uses: give the tokens endpoint a second one to work on.
    from nicat.accounts.models import ApiToken

    issue_token(user=user, name="spare")
    real["/api/v1/tokens/"] = [str(t.uuid) for t in ApiToken.objects.filter(user=user, name="spare")]
    headers = {"Authorization": f"Token {token}"}
    failures = collections.defaultdict(set)
    counter = collections.Counter()

    def exercise(operation, strategy, examples):
        @seed(SEED)
        @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                  report_multiple_bugs=False)
        @given(case=strategy)
        def test(case):
            case.headers = {**(case.headers or {}), **headers}
            response = case.call(app=app)
            counter[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except BaseExceptionGroup as exc:  # one line per kind of failure, never a shrink
                for failure in getattr(exc, "exceptions", [exc]):
                    title = getattr(failure, "title", type(failure).__name__)
                    message = str(getattr(failure, "message", failure)).splitlines()[:3]
                    body = "" if case.body is None else str(case.body)[:200]
                    failures[(operation.label, title)].add(
                        f"{response.status_code} path={case.path_parameters or ''} query={case.query or ''} "
                        f"body={body} :: " + " | ".join(message)[:400])

        try:
            test()
        except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
            pass

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(operation, operation.as_strategy(generation_mode=mode), examples)
        base, name = collection_of(operation.path)
        for uuid in real.get(base, []) if base else []:
            exercise(operation, operation.as_strategy(path_parameters={name: uuid}), real_examples)
    total = sum(counter.values())
    summary = {f"status {k}": v for k, v in sorted(counter.items())}
    report = [f"{label}: {total} requests, {len(operations)} operations, {time.monotonic() - started:.0f} s, "
              f"{summary}"]
    for (op, title), examples in sorted(failures.items()):
        report.append(f"  {op} — {title} ({len(examples)})")
        report.extend(f"      {e}" for e in sorted(examples)[:3])
    return total, failures, "\n".join(report)


# NICAT_SCHEMATHESIS_ROLES=officer,manager,admin explores as other users of the world (the identification
# officer, the shelter's manager, the administrator), with the case worker's budget.
ROLES = os.environ.get("NICAT_SCHEMATHESIS_ROLES", "worker,analyst").split(",")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_as_its_schema_says(role, cast, wsgi_app):
    world = build_world(cast)
    examples, real_examples = BUDGET.get(role, BUDGET["worker"])
    user = getattr(world, role, None) or getattr(cast, role)
    total, failures, report = run_contract(wsgi_app, user, label=role, examples=examples,
                                           real_examples=real_examples)
    if os.environ.get("NICAT_SCHEMATHESIS_REPORT"):
        with open(os.environ["NICAT_SCHEMATHESIS_REPORT"] + f".{role}.txt", "w") as out:
            out.write(report)
    assert total > (0 if os.environ.get("NICAT_SCHEMATHESIS_ONLY") else 300), report
    assert not failures, report
