"""Law 3 on the answer to a refused POST: a page drawn again after its form was refused, showing a person's
identifying data, appends an audit event naming the case, as its GET does — and the refused POST changes nothing
(law 8).

Why. tests/test_every_read_audited.py walks GETs. A page whose form is refused (a field missing, a stale version)
is drawn again by the POST, often with what the GET showed (a case's notes, a referral's note, a plan's goals, a
criminal case's suspects); where the read was recorded on the GET only, the re-drawn page went unaudited. Five such
pages were found by reading views (docs/security.md, "the last blind spots of the read sweep"); this walk finds
them by itself.

How it works. The routes, world, providers, clients and the tests of "shows identifying data" and "an event names a
case of the world" are those of the read sweep (tests/test_access_matrix.py, tests/test_every_read_audited.py).
Every PAGE route with an object in its URL is walked as the first role its matrix entry allows (`walkers`), with
that role's own object (a route answering 405 takes no POST; the matrix declares a form page's GET only):
1. an EMPTY POST (no field, so no version either: a form must refuse it; the test client checks no CSRF token);
2. where the route's GET shows a form carrying a `version`, that form posted back as shown with a STALE version
   (the one shown minus one), every identifying text it shows typed anew ("Typed"): the form validates, the version
   check refuses it, and a page drawn again that shows the person's data shows what is stored, not what was sent.
An answer that is a redirect, or that shows no identifying data, passes (counted; printed with -s). Any other
answer below 500 (a form drawn again: 200, 400, 409, and 403 where a role's refusal is drawn on the form) that shows
identifying data — a marker of IDENTIFYING — must have appended at least one audit event naming a case of the world.
A 5xx fails.

Nothing may change (law 8). Each POST is sent in a savepoint rolled back afterwards; an execute wrapper notes every
table an INSERT, UPDATE or DELETE touched a row of (but the audit trail's, the session's and the sign-in
throttle's: a refused request may record its read, keep its session), and each such table is compared, row by row,
before and after the request: a one-time form token claimed and given up is no change, a row kept is. The routes
that take a change without a version (tests/test_every_change_is_versioned.py NOT_VERSIONED) are exempt on the
stale-version POST only: the form as shown may be a valid change for them. ACTS_WITHOUT_FIELDS names the POST-only
actions that take no field (a button): their empty POST is the action, not a refused form; checked (such a route
must still act on it).

CANNOT_DRIVE names a route the walk cannot drive, with the reason; it is checked (the walk fails once the route is
driven, so the entry goes). Empty today.
"""
import re
import time

from django.db import connection, transaction

from tests import test_every_change_is_versioned as changes
from tests import test_every_read_audited as reads
from tests.test_access_matrix import DECLARED, PROVIDERS, ROUTES, build_url, signed_in_world, walkers

# Routes the walk cannot drive, with the reason.
CANNOT_DRIVE: dict[str, str] = {}

# POST-only actions that take no field: the POST is the whole of what a user does (a button), so an empty POST is
# the action itself, not a refused form. Each is a one-way or idempotent change of the user's own or her
# institution's record, classified and done twice in tests/test_every_change_is_versioned.py (ONE_WAY, ONCE).
# Checked: such a route must still act on the empty POST (else it takes a field now: take it out).
_BUTTON = "a button: the action takes no field"
ACTS_WITHOUT_FIELDS = {
    "access:break_glass_end": _BUTTON + " (ending one's own break-glass opening)",
    "access:restriction_lift": _BUTTON + " (lifting an order: it is never amended, only recorded and lifted)",
    "accounts:token_revoke": _BUTTON + " (revoking one's own API token)",
    "assistance:interpreter_remove": _BUTTON + " (removing an interpreter need)",
    "hotline:alert_acknowledge": _BUTTON + " (acknowledging an alert)",
    "statistics:end_report_schedule": _BUTTON + " (stopping one's own standing report order)",
    "referrals:notification_open": _BUTTON + " (opening one's own notification marks it read)",
}

# Tables a refused request may write to: the audit trail (the read it records), the session, the sign-in throttle.
MAY_WRITE = ("audit_", "django_session", "axes_")

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE)


class Writes:
    """The tables a request wrote a row of (an INSERT, or an UPDATE or DELETE that touched one), but those a refused
    request may write to."""

    def __init__(self):
        self.tables = set()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        write = _WRITE.match(sql if isinstance(sql, str) else str(sql))
        # An INSERT is noted whatever its row count: SQLite counts no row for an INSERT … RETURNING (how Django
        # reads a new row's key) until its rows are read; an UPDATE or DELETE that touched none is no write.
        inserted = write is not None and write.group(0).lstrip()[:6].upper() == "INSERT"
        touched = inserted or getattr(context["cursor"], "rowcount", -1) != 0
        if write and touched and not write.group(1).startswith(MAY_WRITE):
            self.tables.add(write.group(1).lower())
        return result


def rows_of(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - a table name the database itself gave
        return sorted(repr(row) for row in cursor.fetchall())


def post_routes():
    """(key, route, rule) of every page route with an object in its URL: each is sent the empty POST, and one that
    answers 405 takes no POST (the matrix declares the methods it checks, and a form page's GET only)."""
    for owner in sorted(DECLARED):
        for key, rule in sorted(DECLARED[owner].items()):
            if (key in ROUTES and not rule.api and not rule.skip and rule.kwargs and not rule.ends_session
                    and not key.startswith(reads.ADMIN_PREFIX)):
                yield key, ROUTES[key], rule


def test_every_listed_route_exists():
    stale = sorted((set(CANNOT_DRIVE) | set(ACTS_WITHOUT_FIELDS)) - {key for key, _route, _rule in post_routes()})
    assert not stale, f"Listed routes that are no POST page of an object (any more): {stale}"


def stale_form(client, url):
    """The route's form as its GET shows it, with a version one behind the one shown, or None."""
    response = client.get(url)
    form = changes.page_form(response, url) if response.status_code == 200 else None
    if form is None or not str(form.get("version", "")).strip().lstrip("-").isdigit():
        return None
    # What the form shows of the person is typed anew ("Typed"), so that a page drawn again that shows her
    # identifying data shows what is stored, not what was sent back.
    typed = {}
    for name, value in form.items():
        for marker in reads.IDENTIFYING:
            value = value.replace(marker.decode(), "Typed")
        typed[name] = value
    return {**typed, "version": str(int(form["version"]) - 1)}


def test_every_refused_post_that_shows_identifying_data_is_audited(db, settings):
    from nicat.audit.models import AuditEvent

    started = time.monotonic()
    world, clients = signed_in_world(settings)
    plan = []
    for key, route, rule in post_routes():
        roles = walkers(rule)
        if not roles:
            continue
        values = dict(rule.literals)
        for kwarg, kind in rule.kwargs.items():
            values[kwarg] = world.provide(PROVIDERS, kind, roles[0], True)
        plan.append((key, route, rule, roles[0], values))
    unaudited, changing, failing, unwalked, redirected, quiet, audited, driven = [], [], [], [], set(), set(), set(), set()
    requests, acting, idle, no_post, statuses = 0, set(), set(), set(), {}

    def send(key, role, url, body, label):
        nonlocal requests
        requests += 1
        ids = reads.world_ids()
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        writes = Writes()
        client = clients.get(role, False)  # signed in before: the sign-in's own writes are not the request's
        where = f"{key} POST {url} ({label}) as {role}"
        # Sent in a savepoint rolled back afterwards: what the request kept is compared, table by table, with
        # what was there before it (a claim of a one-time form token taken and given up is no change).
        with transaction.atomic():
            with connection.execute_wrapper(writes):
                response = client.post(url, body)
            events = list(AuditEvent.objects.filter(sequence__gt=last))
            after = {table: rows_of(table) for table in writes.tables}
            transaction.set_rollback(True)
        changed = sorted(table for table, rows in after.items() if rows_of(table) != rows)
        if key in ACTS_WITHOUT_FIELDS and label == "empty":
            (acting if changed else idle).add(key)
            return
        if changed and not (label != "empty" and key in changes.NOT_VERSIONED):
            changing.append(f"{where}: answered {response.status_code}, and changed {changed}")
        if response.status_code == 405:
            no_post.add(key)
            return
        if response.status_code >= 500:
            failing.append(f"{where}: answered {response.status_code}")
            return
        driven.add(key)
        if response.status_code in (301, 302, 303, 307, 308):
            redirected.add(key)
            return
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        # any page drawn again is read, not only a 200/400/409: a refusal of the role is drawn on the form too (403)
        seen = reads.shown(reads.body_of(response))
        if (not seen and key not in reads.NO_IDENTIFYING_DATA  # a PDF of statistics (allow-listed) shows no one
                and response.get("Content-Type", "").startswith(("application/pdf", "image/"))):
            seen = "a PDF or a scan"  # a case's record drawn as glyphs, a stored scan: the read sweep's rule
        if not seen:
            quiet.add(key)
            return
        if any(reads.names_the_world(e, ids) for e in events):
            audited.add(key)
        else:
            unaudited.append(f"{where}: answered {response.status_code} showing «{seen}», but no audit event names "
                             f"a case (appended: {[e.action for e in events]})")

    for key, route, rule, role, values in plan:
        if any(v is None for v in values.values()):
            unwalked.append(f"{key}: the world has no object for {role}")
            continue
        url = build_url(route, values)
        send(key, role, url, {}, "empty")
        if "get" in rule.methods and key not in no_post:
            with transaction.atomic():  # the GET's reads are not this walk's concern
                body = stale_form(clients.get(role, False), url)
                transaction.set_rollback(True)
            if body is not None:
                send(key, role, url, body, "stale version")
    elapsed = time.monotonic() - started
    quiet -= audited
    redirected -= audited | quiet
    print(f"\nswept {len(plan) - len(no_post)} POST page routes of an object ({requests} POSTs; {len(no_post)} "
          f"page routes of an object take no POST) in {elapsed:.1f}s: "
          f"{len(audited)} drew identifying data again and were audited, {len(redirected)} only redirected, "
          f"{len(quiet)} answered without identifying data: {sorted(quiet)}; {len(acting)} buttons acted "
          f"(ACTS_WITHOUT_FIELDS); answers drawn by status: {dict(sorted(statuses.items()))}; not driven: "
          f"{sorted(CANNOT_DRIVE)}")
    message = []
    if unaudited:
        message.append(f"{len(unaudited)} refused POSTs drew identifying data again without an audit event:\n  "
                       + "\n  ".join(unaudited))
    if changing:
        message.append(f"{len(changing)} refused POSTs changed data:\n  " + "\n  ".join(changing))
    if failing:
        message.append("Refused POSTs that failed:\n  " + "\n  ".join(failing))
    if idle:
        message.append(f"Listed in ACTS_WITHOUT_FIELDS, but an empty POST changed nothing — take them out: "
                       f"{sorted(idle)}")
    now_driven = sorted(set(CANNOT_DRIVE) & driven)
    if now_driven:
        message.append(f"Driven now — take them out of CANNOT_DRIVE: {now_driven}")
    unwalked = [line for line in unwalked if line.split(":", 1)[0] not in CANNOT_DRIVE]
    if unwalked:
        message.append("Routes the walk could not drive (give them an object, or list them in CANNOT_DRIVE with the "
                       "reason):\n  " + "\n  ".join(unwalked))
    assert not message, "\n".join(message)


def test_the_walk_sees_a_row_a_request_added(db):
    """A refused POST that kept a new row is caught: the wrapper notes an INSERT's table on every database (SQLite
    reports no row count for an INSERT … RETURNING, Django's way of reading the new row's key)."""
    from nicat.vocab.models import Term

    writes = Writes()
    with connection.execute_wrapper(writes):
        Term.objects.create(vocabulary="language", code="zz-walk", label_az="Walk", label_ru="Walk", label_en="Walk")
    assert "vocab_term" in writes.tables
