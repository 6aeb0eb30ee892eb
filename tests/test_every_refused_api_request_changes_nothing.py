"""Laws 8, 3 and 7 on the API's refusals: a write the API refuses changes nothing and says what to fix, and an
answer that shows a person's identifying data is in the audit trail.

Why. tests/test_every_refused_post_audited.py walks every PAGE route with a refused POST; the API was left to the
schemathesis contract (nicat/api/tests/test_schema_contract.py), which checks that no answer is a 5xx and that each
conforms to the schema, but neither that a refused write changed nothing nor that a refused answer carrying
identifying data was recorded.

How it works. The routes, world, providers and clients are the access matrix's (tests/test_access_matrix.py), the
markers of identifying data and the test of "an event names a case of the world" the read sweep's
(tests/test_every_read_audited.py), the execute wrapper and the row-by-row comparison the page sweep's
(tests/test_every_refused_post_audited.py), the roles, bodies and prepared objects of actions the version walk's
(tests/test_every_change_is_versioned.py ROLES, BODIES, PREPARE, VERSION_FIELDS). Every API route of the URLconf
(its matrix entry an `api(...)` one) is walked for each method it maps that writes (POST, PUT, PATCH, DELETE: a
viewset's mapped actions, an APIView's methods), as the first role its entry allows (`walkers`, or the version
walk's ROLES) whose write is not refused as a role's (403: the next allowed role is tried; only law enforcement
records a hearing), with that role's own object, and sent:
1. an EMPTY body `{}`;
2. a body of WRONG TYPES: every field of the operation's request body in the OpenAPI schema given a value of another
   type (a list where a string, a number, a date, a choice or an object goes; a string where a list goes), and where
   the body holds an object (a case's person, a decision's documents) that object with each of its own fields of
   another type ("wrong types inside");
3. as the first signed-in role the entry does NOT allow (PREFERENCE's order), the request an allowed role would send
   whole (the version walk's body for the action, the record's current version);
4. for an update of a record (PUT, PATCH), its current representation (its GET, the fields the request body takes)
   sent back with a STALE version (the one shown minus one), every identifying text typed anew in its own shape
   (TYPED_ANEW), so that an answer showing the person shows what is stored, not what was sent; for a POST action on
   a versioned record (its body takes a version), the version walk's body with the record's version minus one. A
   route that changes without a version (NOT_VERSIONED) or creates a record takes no stale version.
A POST carries an `Idempotency-Key` (a new one each time): a refused request must claim no key either.
Each answer must be a 4xx (never a 5xx) whose JSON body names what to fix: a field's error or a `detail`. Each
request is sent in a savepoint rolled back afterwards, and every table it wrote a row of (but the audit trail's, the
session's and the sign-in throttle's; and a token's `last_used_at`, noted at most once a minute as a session is
kept) is compared row by row with what was there before: nothing may change. An answer that shows identifying data
of the world's persons (a marker of IDENTIFYING) must have appended an audit event naming a case of the world.
NICAT_SWEEP_SHOW=1 (with -s) prints every request's answer and the events it appended.

The allow-lists, each checked:
- ACTS_WITHOUT_FIELDS: the writes whose empty body is the action itself (a button: revoke, withdraw, mark as read);
  their empty body must still be taken (a 2xx), else they take a field now: take them out. Their other bodies are
  walked as any route's.
- CANNOT_DRIVE: a route the walk cannot drive, with the reason; the walk fails once it is driven. Empty today.
"""
import json
import os
import re
import time
from urllib.parse import urlencode

from django.db import connection, transaction

from tests import test_every_change_is_versioned as changes
from tests import test_every_read_audited as reads
from tests.test_access_matrix import DECLARED, PREFERENCE, PROVIDERS, ROUTES, build_url, signed_in_world, walkers
from tests.test_every_refused_post_audited import Writes, rows_of

WRITES = ("post", "put", "patch", "delete")

# Writes whose empty body is the action itself ("route METHOD"), with the reason (see the docstring). Checked: the
# empty body is still taken (a 2xx), else the write takes a field now: take it out. The page sweep's buttons
# (tests/test_every_refused_post_audited.py ACTS_WITHOUT_FIELDS) and the version walk's ONE_WAY and ONCE
# (tests/test_every_change_is_versioned.py) say what a second one does.
_BUTTON = "a button: the action takes no field"
ACTS_WITHOUT_FIELDS: dict[str, str] = {
    "token-detail DELETE": _BUTTON + " (revoking one's own API token)",
    "assistance-interpreter-detail DELETE": _BUTTON + " (removing an interpreter need)",
    "notification-mark-read POST": _BUTTON + " (marking all one's own notifications read)",
    "consent-withdraw POST": _BUTTON + " (a withdrawal of consent needs no reason and is never blocked: "
                                       "the reason is optional)",
    "identification-refer POST": _BUTTON + " (referring the case for identification: the case and the person's "
                                           "consent are all it needs; the note is optional)",
    "call-list POST": "a hotline call is recorded as it comes in, before anything is known of it: every field is "
                      "optional (an anonymous caller who hung up is a call)",
}

# Updates whose representation, sent back as shown (with a stale version), is refused before the version check, with
# the reason ("route METHOD"). Checked: any other update must answer it 409 (someone else changed the record: read it
# again), as a page's form posted back as shown is refused as a concurrent edit; and one listed must still be refused
# otherwise (else it reaches the version check now: take it out).
SHOWN_REFUSED: dict[str, str] = {
    "case-detail PATCH": "the case's person is shown nested, and is edited at /api/v1/persons/<uuid>/ (the answer "
                         "says so): a case's PATCH names the case's own fields",
    "proceedings-appearance-detail PATCH": "an appearance's outcome (status) is all a change records; the planned "
                                           "fields shown are refused by name",
    "case-assignment PUT": "the team as shown (nobody assigned yet) is a supervisor's to set; a case worker may only "
                           "take the case for herself: refused as her role's (403) before the version check",
}

# Routes (or "route METHOD") the walk cannot drive, with the reason.
CANNOT_DRIVE: dict[str, str] = {}


def write_routes():
    """(key, route, rule, methods) of every API route that takes a write, with the writing methods it maps."""
    callbacks = changes.callbacks()
    for owner in sorted(DECLARED):
        for key, rule in sorted(DECLARED[owner].items()):
            if key not in ROUTES or not rule.api or rule.skip or key not in callbacks:
                continue
            callback = callbacks[key]
            cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            allowed = getattr(cls, "http_method_names", ())
            actions = getattr(callback, "actions", None)
            if actions is not None:
                methods = tuple(m for m in WRITES if m in actions and m in allowed)
            else:
                methods = tuple(m for m in WRITES if cls is not None and hasattr(cls, m) and m in allowed)
            if methods:
                yield key, ROUTES[key], rule, methods


# Columns a refused request may write: a token's use is noted (at most once a minute), as a session is kept.
MAY_WRITE_COLUMNS = {"accounts_apitoken": ("last_used_at",)}


def kept_rows(table):
    """The table's rows, row by row, but the columns a refused request may write."""
    skipped = MAY_WRITE_COLUMNS.get(table)
    if not skipped:
        return rows_of(table)
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)
                   if c.name not in skipped]
        cursor.execute(f'SELECT {", ".join(connection.ops.quote_name(c) for c in columns)} '  # noqa: S608
                       f'FROM "{table}"')  # names the database itself gave
        return sorted(repr(row) for row in cursor.fetchall())


# --- What the schema says each operation takes ------------------------------------------------------------------

def api_schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    """[(regex of the path, method, {field: property schema}, "json" or "multipart")] of every operation of the
    schema (an upload takes multipart form data only)."""
    found = []
    for path, ops in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {})
            media = body.get("application/json") or next(iter(body.values()), {})
            fields = {}
            kind = "json" if "application/json" in body or not body else "multipart"
            if media:
                fields = dict(_resolved(schema, media.get("schema", {})).get("properties", {}))
            found.append((pattern, method, {name: _deep(schema, prop) for name, prop in fields.items()}, kind))
    return found


def _resolved(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    if isinstance(node, dict) and "allOf" in node and len(node["allOf"]) == 1:
        return _resolved(schema, node["allOf"][0])
    if isinstance(node, dict) and "oneOf" in node:
        typed = [_resolved(schema, n) for n in node["oneOf"]]
        return next((n for n in typed if n.get("type") not in (None, "null")), typed[0] if typed else {})
    return node


def _deep(schema, node, depth=3):
    """The property resolved, and the properties of its nested objects (a list's items too)."""
    node = dict(_resolved(schema, node))
    if depth and isinstance(node.get("properties"), dict):
        node["properties"] = {k: _deep(schema, v, depth - 1) for k, v in node["properties"].items()}
    if depth and isinstance(node.get("items"), dict):
        node["items"] = _deep(schema, node["items"], depth - 1)
    return node


def wrong_value(prop):
    """A value of another type than the property's: a string where a list goes, a list anywhere else."""
    kind = prop.get("type")
    if kind == "array":
        return "Wrong: a list goes here"
    return ["Wrong: not a list"]


def nested(prop):
    """The properties of the object a property holds (or of a list's objects), or {}."""
    if prop.get("type") == "array":
        prop = prop.get("items") or {}
    return prop.get("properties") or {}


def wrong_inside(prop):
    """A nested object (or a list of one) whose own fields are each of another type."""
    inner = {name: wrong_value(sub) for name, sub in nested(prop).items()}
    return [inner] if prop.get("type") == "array" else inner


# --- What an answer must say --------------------------------------------------------------------------------------

def says_what_to_fix(response):
    """The answer is JSON naming what to fix: a field's error (a list or nested object of sentences) or a
    `detail`."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        data = json.loads(response.content)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("detail"), str) and data["detail"].strip():
        return True
    return any(isinstance(v, (list, dict)) and v for k, v in data.items() if k not in ("code", "detail"))


# What each identifying text of the world is typed anew as, in its own shape (an e-mail stays an e-mail).
TYPED_ANEW = {"Matrix": "Typed", "matrix.person@example.org": "typed.person@example.org",
              "+994 55 700 11 22": "+994 55 799 11 22", "+994 55 700 33 44": "+994 55 799 33 44",
              "+994 55 700 55 66": "+994 55 799 55 66"}


def typed_anew(value):
    """A representation sent back with every identifying text typed anew."""
    if isinstance(value, str):
        for marker, typed in sorted(TYPED_ANEW.items(), key=lambda item: -len(item[0])):
            value = value.replace(marker, typed)
        return value
    if isinstance(value, list):
        return [typed_anew(v) for v in value]
    if isinstance(value, dict):
        return {k: typed_anew(v) for k, v in value.items()}
    return value


def test_every_listed_route_exists():
    keys = {key for key, _route, _rule, _methods in write_routes()}
    writes = {f"{key} {method.upper()}" for key, _route, _rule, methods in write_routes() for method in methods}
    stale = sorted(k for k in set(CANNOT_DRIVE) | set(ACTS_WITHOUT_FIELDS) | set(SHOWN_REFUSED)
                   if k not in keys | writes)
    assert not stale, f"Listed routes that are no API write route (any more): {stale}"


def test_every_refused_api_request_changes_nothing_and_says_what_to_fix(db, settings):
    from nicat.audit.models import AuditEvent

    started = time.monotonic()
    world, clients = signed_in_world(settings)
    ops = operations(api_schema())
    changing, failing, unsaid, unaudited, unwalked, driven = [], [], [], [], [], set()
    acting, idle, statuses, audited, requests = set(), set(), {}, set(), 0

    def send(key, method, role, url, body, label):
        nonlocal requests
        requests += 1
        client = clients.get(role, True)  # its token issued before: the issue is not the request's
        ids = reads.world_ids()
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        writes = Writes()
        where = f"{key} {method.upper()} {url} ({label}) as {role}"
        with transaction.atomic():
            with connection.execute_wrapper(writes):
                # a POST carries an Idempotency-Key, as a careful client's does: a refused one claims no key
                extra = {"HTTP_IDEMPOTENCY_KEY": f"sweep-{requests}"} if method == "post" else {}
                response = getattr(client, method)(url, body, format=media_of.get((key, method), "json"), **extra)
            events = list(AuditEvent.objects.filter(sequence__gt=last))
            after = {table: kept_rows(table) for table in writes.tables}
            transaction.set_rollback(True)
        changed = sorted(table for table, rows in after.items() if kept_rows(table) != rows)
        route_method = f"{key} {method.upper()}"
        if label == "empty" and route_method in ACTS_WITHOUT_FIELDS:
            (acting if 200 <= response.status_code < 300 else idle).add(route_method)
            return response
        driven.add(route_method)
        if os.environ.get("NICAT_SWEEP_SHOW"):
            print(f"{where}: {response.status_code} {response.content[:300]!r} events {[e.action for e in events]}")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            failing.append(f"{where}: answered {response.status_code}")
        elif not 400 <= response.status_code < 500:
            failing.append(f"{where}: not refused, answered {response.status_code} {response.content[:200]!r}")
        elif not says_what_to_fix(response):
            unsaid.append(f"{where}: answered {response.status_code} {response.content[:200]!r}")
        if changed:
            changing.append(f"{where}: answered {response.status_code}, and changed {changed}")
        seen = reads.shown(reads.body_of(response))
        if seen:
            if any(reads.names_the_world(e, ids) for e in events):
                audited.add(route_method)
            else:
                unaudited.append(f"{where}: answered {response.status_code} showing «{seen}», but no audit event "
                                 f"names a case (appended: {[e.action for e in events]})")
        return response

    def values_for(key, rule, role):
        values = dict(rule.literals)
        for kwarg, kind in rule.kwargs.items():
            values[kwarg] = world.provide(PROVIDERS, kind, role, True)
        return values

    walked, refused_by_role, media_of, unversioned = 0, set(), {}, []
    for key, route, rule, methods in write_routes():
        roles = [changes.ROLES[key]] if key in changes.ROLES else walkers(rule)
        if not roles:
            unwalked.append(f"{key}: no role may use it")
            continue
        for method in methods:
            # The first role the entry allows that the write does not refuse as a role (a write may be narrower
            # than the route's reads: only law enforcement records a hearing), with its own object.
            response = fields = None
            for role in roles:
                values = values_for(key, rule, role)
                if any(v is None for v in values.values()):
                    continue
                target = changes.record_of(values[list(values)[-1]]) if values else None
                if key in changes.PREPARE:  # the object in the state the action needs (the version walk's)
                    values[list(values)[-1]], target = changes.PREPARE[key](world, role, values[list(values)[-1]])
                url = build_url(route, values)
                fields, media_of[(key, method)] = next(((f, kind) for pattern, m, f, kind in ops
                                                        if m == method and pattern.match(url)), (None, "json"))
                if fields is None:
                    break
                if rule.query:
                    url = f"{url}?{urlencode(rule.query)}"
                response = send(key, method, role, url, {}, "empty")
                if response.status_code != 403:
                    break
            if response is None:
                lacking = any(v is None for v in values.values())
                reason = "no object in the world" if lacking else "no operation of the schema"
                unwalked.append(f"{key} {method.upper()}: {reason} for {roles}")
                continue
            walked += 1
            if response.status_code == 403:
                refused_by_role.add(f"{key} {method.upper()}")
            if fields:
                send(key, method, role, url, {name: wrong_value(prop) for name, prop in fields.items()},
                     "wrong types")
            if any(nested(prop) for prop in fields.values()):
                # an object inside the body (a case's person, a decision's documents): its own fields wrong
                send(key, method, role, url, {name: wrong_inside(prop) if nested(prop) else wrong_value(prop)
                                              for name, prop in fields.items()}, "wrong types inside")
            field = changes.VERSION_FIELDS.get(key, "version")
            outsider = next((r for r in PREFERENCE if r not in rule.allow), None)
            if outsider is not None:
                # the request a role of the entry sends, whole (its body, the record's current version), sent by a
                # role the entry refuses: refused, it changes nothing either
                given = changes.BODIES.get(key, {})
                body = dict(given(world, role, target) if callable(given) else given) if target is not None or \
                    not callable(given) else {}
                if field in fields and target is not None and hasattr(target, "version"):
                    body[field] = target.version
                send(key, method, outsider, url, body, "a role refused")
            if field not in fields or key in changes.NOT_VERSIONED or not rule.kwargs:
                continue
            if method in ("put", "patch"):
                # the record as its GET shows it, its writable fields sent back
                with transaction.atomic():  # the GET's read is not this walk's concern
                    shown = clients.get(role, True).get(url)
                    transaction.set_rollback(True)
                if shown.status_code != 200 or "version" not in shown.json():
                    unwalked.append(f"{key} {method.upper()}: its GET answered {shown.status_code}, no version")
                    continue
                # the writable fields; a PATCH (a partial change) leaves out those that hold nothing (a record the
                # world made directly may lack what a change must now give: an article, a suspect's role)
                body = {k: v for k, v in typed_anew(shown.json()).items()
                        if k in fields and (method == "put" or k == "version" or v not in ("", None, [], {}))}
                body["version"] = int(body["version"]) - 1
                answer = send(key, method, role, url, body, "stale version")
                listed = f"{key} {method.upper()}" in SHOWN_REFUSED
                if (answer.status_code == 409) == listed:
                    unversioned.append(f"{key} {method.upper()} {url}: sent back as shown with a stale version, "
                                       f"answered {answer.status_code} {answer.content[:200]!r}"
                                       + (" — take it out of SHOWN_REFUSED" if listed else ""))
                continue
            elif target is not None and hasattr(target, "version"):
                given = changes.BODIES.get(key, {})
                body = {**(given(world, role, target) if callable(given) else given), field: target.version - 1}
            else:
                unwalked.append(f"{key} {method.upper()}: takes a version, but its object is no versioned record")
                continue
            send(key, method, role, url, body, "stale version")
    elapsed = time.monotonic() - started
    print(f"\nswept {walked} API writes ({requests} requests) in {elapsed:.1f}s; statuses {dict(sorted(statuses.items()))}; "
          f"{len(audited)} showed identifying data and were audited; {len(acting)} buttons acted; "
          f"refused as the role by every role allowed: {sorted(refused_by_role)}; not driven: {sorted(CANNOT_DRIVE)}")
    message = []
    for label, found in (("refused API requests changed data", changing), ("answered 5xx or were not refused", failing),
                         ("answered without naming what to fix", unsaid),
                         ("showed identifying data without an audit event", unaudited)):
        if found:
            message.append(f"{len(found)} {label}:\n  " + "\n  ".join(found))
    if unversioned:
        message.append(f"{len(unversioned)} updates sent back as shown were not refused as stale (409):\n  "
                       + "\n  ".join(unversioned))
    if idle:
        message.append(f"Listed in ACTS_WITHOUT_FIELDS, but an empty body changed nothing — take them out: "
                       f"{sorted(idle)}")
    now_driven = sorted(set(CANNOT_DRIVE) & (driven | {k.split(" ")[0] for k in driven}))
    if now_driven:
        message.append(f"Driven now — take them out of CANNOT_DRIVE: {now_driven}")
    unwalked = [line for line in unwalked if line.split(":", 1)[0] not in CANNOT_DRIVE
                and line.split(" ", 1)[0].rstrip(":") not in CANNOT_DRIVE]
    if unwalked:
        message.append("Routes the walk could not drive (give them an object, or list them in CANNOT_DRIVE with the "
                       "reason):\n  " + "\n  ".join(unwalked))
    assert not message, "\n".join(message)
