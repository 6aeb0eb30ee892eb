"""Every list costs the same number of queries whether it shows one row or fifty, walked route by route.

How it works. The routes, the world, the object providers and the signed-in clients are those of the access
matrix (tests/test_access_matrix.py), as in tests/test_every_read_audited.py. A route that lists records (an API
`*-list` route, a list page: LISTS, each with what it lists) is requested as the first role its matrix entry allows
(PREFERENCE's order; a few name the role whose list it is, e.g. the shelter's residents for its staff). Its list is
given one record of its kind, it is requested twice (the first request warms the per-process caches and the
token's once-a-minute write) and the queries of the second are counted (CaptureQueriesContext) — with the
process's unwrapped person keys forgotten just before, as a worker that has just started or whose keys are older
than personkeys.KEY_TTL finds them, so that a key read per person shown is counted; then two more
records of the kind are made for that role — through the matrix's providers, each on a case of its own (a fresh
case of the role's institution: `world.new_case`, enriched as the world's own), or through the services — and the
queries of one more request are counted. The two counts must be equal, unless the route is in BOUNDED with the
reason its growth is bounded (it fails once it no longer grows, so that the entry goes).

Every GET route without an object in its URL is either in LISTS, in NOT_A_LIST (with the reason), or in NOT_DRIVEN
(a list the sweep cannot yet give records to, with the reason); a new one fails test_every_list_route_is_classified.
Routes with an object in their URL (a record's detail, a form) are not walked, except the lists named in LISTS (the
shelter's residents; the lists of one case — its notes, its events, its safety, proceedings, assistance and audit
pages — given more records on the same case). A list that did not show the two new records (an API list's count, a page's body)
is reported as not driven: the sweep failed to make records that role sees. With LIST_COST_SQL=1 (and -s) the
queries of both counts of a list that grows are printed.

test_every_list_costs_the_same_as_every_other_role walks each list of LISTS again as every other role its entry
allows, one test (and one world) per role: a list whose records a role is not given by rule is in NOT_DRIVEN_AS
with the reason, and fails once that role's list shows them.
"""
import datetime
import itertools
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nicat.privacy import personkeys
from tests.support import matrix as mx
from tests.test_access_matrix import DECLARED, PREFERENCE, PROVIDERS, ROUTES, build_url, signed_in_world, walkers

_serial = itertools.count(1)


# --- Making records a role sees -----------------------------------------------------------------------------------

def fresh_case(world, role):
    """A new case of the role's institution, as rich as the world's own (its notes, events, family contact)."""
    return world.enrich(world.new_case(mx.INSTITUTION_OF_ROLE[mx.Role(role)]))


@contextmanager
def on_fresh_case(world, role):
    """The matrix's providers build on `world.case_of(role)`: for the time of the block, that is a new case."""
    case = fresh_case(world, role)
    world.case_of = lambda r: case if mx.Role(r) in mx.CASE_ROLES else None
    try:
        yield case
    finally:
        del world.case_of  # the world's own method again


def provided(kind):
    """One more record of `kind`, made by the matrix's provider on a fresh case of the role's institution."""
    def grow(world, role):
        with on_fresh_case(world, role):
            PROVIDERS[kind](world, role, True)
    grow.__doc__ = kind
    return grow


def provided_again(kind, *cache_keys):
    """One more record of `kind` from a provider that makes its own case but remembers what it made (forgotten)."""
    def grow(world, role):
        for key in cache_keys:
            world.cache.pop(key.format(role=role) if isinstance(key, str) else key(role), None)
        PROVIDERS[kind](world, role, True)
    grow.__doc__ = kind
    return grow


def on_the_case(kind):
    """One more record of `kind` on the role's own case (the case of the route's URL), by the matrix's provider."""
    def grow(world, role):
        PROVIDERS[kind](world, role, True)
    grow.__doc__ = f"{kind} on the case"
    return grow


def a_note(world, role):
    from nicat.cases.services import add_note

    add_note(actor=world.user(role), case=world.case_of(role), text=f"Matrix note {next(_serial)}")


def an_event(world, role):
    from nicat.cases.services import add_event

    add_event(actor=world.user(role), case=world.case_of(role),
              data={"kind": "Exploitation", "place": f"Matrix place {next(_serial)}"})


def a_case(world, role):
    fresh_case(world, role)


def a_due_task(world, role):
    """A task due today on a fresh case (my work lists what is due: a task without a day is not)."""
    from nicat.core.calendar import baku_today
    from nicat.work.services import create_task

    case = fresh_case(world, role)
    create_task(actor=world.user(role), case=case,
                data={"title": f"Matrix task {next(_serial)}", "kind": "task", "due_on": baku_today()})


def cases_and_tasks(world, role):
    with on_fresh_case(world, role):
        PROVIDERS["task"](world, role, True)


def a_case_for_identification(world, role):
    """A case of the NGO referred (with consent) to the competent authority, awaiting its decision."""
    from tests.support.identification import refer_with_consent

    refer_with_consent(world.user("case_worker"), fresh_case(world, "case_worker"))


def an_institution(world, role):
    from tests.support.world import make_institution

    make_institution(f"lc-institution-{next(_serial)}", "ngo", is_nonprofit=True, listed_publicly=True)


def a_facility(world, role):
    from nicat.assistance import services
    from tests.support.world import make_institution

    institution = make_institution(f"lc-shelter-{next(_serial)}", "shelter", is_special_institution=True)
    services.register_facility(actor=world.user("administrator"), institution=institution, address="Lc street 1",
                               capacity={"women": 3, "men": 2, "children": 1})


def a_pending_grant(world, role):
    from nicat.accounts.services import grant_membership
    from tests.support.world import make_user

    grantee = make_user(f"lc.grantee.{next(_serial)}")
    grant_membership(actor=world.user("administrator"), user=grantee,
                     institution=world.institutions[mx.INSTITUTION_OF_ROLE[mx.Role(role)]], role=mx.Role.CASE_WORKER)


def a_state_body(world, role):
    """A state body (an institution of the directory that is neither special nor non-profit) and its services."""
    from nicat.assistance.services import save_state_body
    from tests.support.world import make_institution

    save_state_body(actor=world.user("administrator"), service_kinds=["legal"],
                    institution=make_institution(f"lc-state-body-{next(_serial)}", "law_enforcement"))


def a_resident(world, role):
    """A stay at the matrix's shelter (the facility of the route's URL), of a fresh case of the shelter's."""
    provided("stay")(world, role)


@dataclass(frozen=True)
class Listing:
    grow: object  # fn(world, role): one more record the role's list shows
    role: str = ""  # the role the list is walked as (default: the first the matrix allows)
    query: dict = field(default_factory=dict)


L = Listing
LISTS = {
    # Pages that show one page (25) of the cases or of what is due: walked first, before the growers of the other
    # lists fill the NGO's page
    "cases:list": L(a_case),
    "web:dashboard": L(cases_and_tasks),
    "work:list": L(a_due_task),
    # API: the case file's own records
    "case-list": L(a_case),
    "person-list": L(a_case),
    "family-contact-list": L(a_case),  # every world case has a contact with her family (MatrixWorld.enrich)
    "consent-list": L(provided("consent")),
    "consent-withdrawal-wish-list": L(provided("withdrawal_wish")),
    "legal-basis-order-list": L(provided("legal_basis_order")),
    "referral-list": L(provided("incoming_referral")),
    "notification-list": L(provided("notification")),
    "task-list": L(provided("task")),
    "approval-list": L(provided("approval")),
    "screening-list": L(provided("screening")),
    "identification-decision-list": L(provided_again("decision", lambda role: ("recognised", role))),
    "data-request-list": L(provided("data_request")),
    "safety-assessment-list": L(provided("safety_assessment")),
    "security-measure-list": L(provided("security_measure")),
    "relative-at-risk-list": L(provided("relative_at_risk")),
    "call-list": L(provided("hotline_contact")),
    "token-list": L(provided("api_token")),
    # API: assistance
    "assistance-stay-list": L(provided("stay")),
    "assistance-waiting-list": L(provided("waiting_entry")),
    "assistance-plan-list": L(provided("plan")),
    "assistance-plan-goal-list": L(provided("goal")),
    "assistance-plan-action-list": L(provided("plan_action")),
    "assistance-service-list": L(provided("service_delivery")),
    "assistance-allowance-list": L(provided("allowance_payment")),
    "assistance-compensation-list": L(provided("claim")),
    "assistance-compensation-payment-list": L(provided("compensation_payment")),
    "assistance-interpreter-list": L(provided("interpreter_need")),
    "assistance-permit-list": L(provided("permit")),
    "assistance-return-list": L(provided("return_plan")),
    "assistance-reunification-list": L(provided("reunification")),
    "assistance-follow-up-list": L(provided("follow_up")),
    "assistance-facility-list": L(a_facility),
    # API: proceedings
    "proceedings-criminal-case-list": L(provided("criminal_case")),
    "proceedings-perpetrator-list": L(provided("perpetrator")),
    "proceedings-hearing-list": L(provided("hearing")),
    "proceedings-appearance-list": L(provided("appearance")),
    "proceedings-release-request-list": L(provided("release_request")),
    # API: the directory, the exchange
    "institution-list": L(an_institution),
    "exchange-htcds": L(a_case),
    # Pages
    "referrals:list": L(provided("incoming_referral")),
    "referrals:notifications": L(provided("notification")),
    "work:approvals": L(provided("approval")),
    "consent:orders": L(provided("legal_basis_order")),
    "identification:worklist": L(a_case_for_identification, role="identification_officer"),
    "hotline:desk": L(provided("hotline_contact")),
    "hotline:alerts": L(provided("hotline_alert")),
    "persons:duplicates": L(provided_again("duplicate_signal", "persons.signal")),
    "persons:merges": L(provided_again("person_merge", "persons.merge.{role}")),
    "access:break_glass": L(provided("own_break_glass")),
    "access:break_glass_review": L(provided("break_glass_to_review")),
    "access:restrictions": L(provided("restriction_order")),
    "accounts:grants": L(a_pending_grant, role="supervisor"),
    "accounts:security": L(provided("api_token")),  # the account page lists the user's tokens
    "audit:trail": L(a_case),
    "assistance:index": L(a_facility),
    "directory:search": L(an_institution),
    "assistance:facility": L(a_resident, role="shelter_staff"),
    "assistance:state_bodies": L(a_state_body),
    "statistics:report_schedules": L(provided("report_schedule")),  # the shelter's residents and waiting list
    # The lists of one case (the role's own case, in the URL): its records, more of them on the same case
    "case-notes": L(a_note),
    "case-events": L(an_event),
    "consent:wishes": L(on_the_case("withdrawal_wish")),
    "safety:case": L(on_the_case("safety_assessment")),
    "proceedings:case": L(on_the_case("perpetrator"), role="supervisor"),  # the investigation file, with suspects
    "assistance:case": L(on_the_case("goal")),
    "audit:case": L(a_note),  # each note is an event of the case's trail
    "audit:person_report": L(a_note),
}

_STATS = "statistics: a fixed set of aggregates (counts), not rows"
_FORM = "a form, or a page of the signed-in user's own settings: no rows"
_REFERENCE = "reference data of a fixed size, set by the catalog"
_PUBLIC = "a public page: no records"
NOT_A_LIST = {
    "healthz": "a status word", "readyz": "a status word", "metrics": "process counters",
    "web:login": _FORM, "accounts:2fa_qr": _FORM, "accounts:2fa_setup": _FORM, "accounts:2fa_verify": _FORM,
    "accounts:password_change": _FORM, "cases:new": _FORM, "hotline:new": _FORM, "work:settings": _FORM,
    "assistance:facility_register": _FORM,
    "api-root": "the list of API resources", "api-schema": "the OpenAPI document", "api-docs": "the OpenAPI viewer",
    "api-not-found": "a JSON 404",
    "public:home": _PUBLIC, "public:rights": _PUBLIC, "public:trafficking": _PUBLIC,
    "public:warning_signs": _PUBLIC, "public:where_to_turn": _PUBLIC, "public:leaflet": _PUBLIC,
    "hotline:ask_for_help": _PUBLIC, "hotline:ask_for_help_thanks": _PUBLIC, "identification:verify": _PUBLIC,
    "directory:public": "a redirect to the public page of where to turn",
    "vocabulary-list": _REFERENCE, "vocabulary-detail": _REFERENCE, "legal:parameters": _REFERENCE, "consent-legal-bases": _REFERENCE,
    "statistics:cases": _STATS, "statistics:calls": _STATS, "statistics:annual_report": _STATS,
    "statistics-cases-list": _STATS, "statistics-proceedings-list": _STATS,
    "cases:export": "GET shows the export's form and how many cases it would hold (a count); the file is POSTed",
    "persons:search": "GET shows the empty search form: the search is POSTed",
    "person-search": "GET answers 400: the search is POSTed",
    "safety:relative_search": "GET shows the empty search form: the search is POSTed",
}
# Lists the sweep does not yet give records to, with the reason.
NOT_DRIVEN: dict[str, str] = {}
# Lists whose cost grows with their rows, bounded by something other than their length (with the reason); the
# sweep fails once such a list costs the same (then take it out of here).
BOUNDED: dict[str, str] = {}
ADMIN_PREFIX = "admin:"


def get_routes():
    """(key, route, rule) of every route whose entry takes a GET and has no object in its URL, and of the lists
    of LISTS that have one."""
    for owner in sorted(DECLARED):
        for key, rule in sorted(DECLARED[owner].items()):
            if key in ROUTES and "get" in rule.methods and not key.startswith(ADMIN_PREFIX) and (
                    not rule.kwargs or key in LISTS):
                yield key, ROUTES[key], rule


def test_every_list_route_is_classified():
    keys = {key for key, _route, _rule in get_routes()}
    unclassified = sorted(keys - set(LISTS) - set(NOT_A_LIST) - set(NOT_DRIVEN))
    stale = sorted((set(LISTS) | set(NOT_A_LIST) | set(NOT_DRIVEN) | set(BOUNDED)) - keys)
    twice = sorted((set(LISTS) & set(NOT_A_LIST)) | (set(LISTS) & set(NOT_DRIVEN)) | (set(NOT_A_LIST) & set(NOT_DRIVEN)))
    assert not unclassified, (f"GET routes without an object that are neither in LISTS nor in NOT_A_LIST nor in "
                              f"NOT_DRIVEN (say what they list, or why they list nothing): {unclassified}")
    assert not stale, f"Classified routes that no longer exist (or take no GET): {stale}"
    assert not twice, f"Routes classified twice: {twice}"


def body_of(response):
    return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content


def shown(response, api):
    """How many rows an API list shows (its count, or its results), or a page's length."""
    body = body_of(response)
    if api and response.get("Content-Type", "").startswith("application/json"):
        data = response.json()
        if isinstance(data, dict) and "results" in data:
            return data.get("count", len(data["results"]))
        if isinstance(data, list):
            return len(data)
    return len(body)


def counted(client, url, query):
    """The response and the queries of one request, made with the process's unwrapped person keys forgotten: the
    first list of a cold worker, or any list once its persons' keys are older than personkeys.KEY_TTL."""
    personkeys.forget_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    return response, len(queries), queries.captured_queries


def walking_world(settings, monkeypatch):
    """(world, clients, routes) of a walk: the matrix's signed-in world, every role's case made, the routes by key.
    A walk takes minutes: a session's renewal and a token's use, written once a minute, fell on a counted request
    now and then (the withdrawal wishes as medical staff: 9 → 12 queries, a savepoint, an UPDATE and its release);
    here they are written once, at the first request."""
    from nicat.accounts import sessions, tokens

    monkeypatch.setattr(sessions, "RENEW_AFTER", datetime.timedelta(hours=1))
    monkeypatch.setattr(tokens, "LAST_USED_RESOLUTION", datetime.timedelta(hours=1))
    world, clients = signed_in_world(settings)
    for role in mx.ROLES:
        world.case_of(role)
    return world, clients, {key: (route, rule) for key, route, rule in get_routes()}


def test_every_list_costs_the_same_for_three_rows_as_for_one(db, settings, monkeypatch):
    started = time.monotonic()
    world, clients, routes = walking_world(settings, monkeypatch)
    grew, not_driven, bounded_now_flat, flat = [], [], [], []
    for key, listing in LISTS.items():  # in LISTS' order: the paged lists first
        route, rule = routes[key]
        if rule.skip:
            continue
        role = listing.role or walkers(rule, of_object=False)[0]
        values = dict(rule.literals)
        for kwarg, kind in rule.kwargs.items():
            values[kwarg] = world.provide(PROVIDERS, kind, role, True)
        url = build_url(route, values)
        query = {**dict(rule.query), **listing.query}
        client = clients.get(role, rule.api)
        where = f"{key} GET {url} as {role}"
        listing.grow(world, role)
        client.get(url, query)  # warms the per-process caches; the token's use is written once a minute
        first, one, first_sql = counted(client, url, query)
        if first.status_code != 200:
            not_driven.append(f"{where}: answered {first.status_code}")
            continue
        listing.grow(world, role)
        listing.grow(world, role)
        client.get(url, query)  # as before the first count: a per-process cache of a new row is warmed alike
        again, three, again_sql = counted(client, url, query)
        if shown(again, rule.api) <= shown(first, rule.api):
            not_driven.append(f"{where}: did not show the two records made for {role} "
                              f"({listing.grow.__doc__ or listing.grow.__name__})")
            continue
        # Fewer is not growth: a list of one case's records seals the reader's reason under that case's key
        # (SecurityReads), one query that a list of several cases does without.
        if three > one and key not in BOUNDED:
            grew.append(f"{where}: {one} queries with one row, {three} with three")
            if os.environ.get("LIST_COST_SQL"):
                print(f"\n=== {key}: first\n" + "\n".join(q["sql"][:300] for q in first_sql)
                      + f"\n=== {key}: again\n" + "\n".join(q["sql"][:300] for q in again_sql))
        elif three <= one and key in BOUNDED:
            bounded_now_flat.append(f"{where}: costs the same now ({one}) — take it out of BOUNDED")
        else:
            flat.append(f"{key}={one}")
    elapsed = time.monotonic() - started
    print(f"\n{len(flat)} lists cost the same in {elapsed:.1f}s: {', '.join(flat)}\nnot driven: {not_driven}")
    message = []
    if grew:
        message.append(f"{len(grew)} lists whose cost grows with their rows:\n  " + "\n  ".join(grew))
    if bounded_now_flat:
        message.append("\n  ".join(bounded_now_flat))
    if not_driven:
        message.append("Lists the sweep could not drive (give them records the role sees, or move them to "
                       "NOT_DRIVEN with the reason):\n  " + "\n  ".join(not_driven))
    assert not message, "\n".join(message)



# --- Every list as every role its entry allows ---------------------------------------------------------------------
# The sweep above walks a list as one role; a list takes branches of its own per role (what a police officer, an
# NGO, a shelter, an embassy, the hotline sees of a record), so test_every_list_costs_the_same_as_every_other_role
# walks each list again as every other role its matrix entry allows (walkers' order), in a world of that role's own
# (so that the paged lists are not filled by other roles' records), in LISTS' order, alike.

# (list, role): why the sweep cannot give that role records its list shows; checked: fails once the list shows them.
_NO_CASES = "analysts and administrators read no case (accounts.models.CASE_ROLES): its records are not theirs"
_CASE_RECORDS = (
    "web:dashboard", "case-list", "person-list", "family-contact-list", "consent-list", "consent-withdrawal-wish-list",
    "legal-basis-order-list", "referral-list", "screening-list", "identification-decision-list",
    "safety-assessment-list", "assistance-stay-list", "assistance-waiting-list", "assistance-plan-list",
    "assistance-plan-goal-list", "assistance-plan-action-list", "assistance-service-list", "assistance-allowance-list",
    "assistance-compensation-list", "assistance-compensation-payment-list", "assistance-interpreter-list",
    "assistance-permit-list", "assistance-return-list", "assistance-reunification-list", "assistance-follow-up-list")
_RETURN = ("the return section (permits, returns, reunifications, follow-ups) is not the role's "
           "(access.sections: RETURN)")
_RESIDENTS = "a facility's residents are shown to its own staff only (assistance.selectors.residents)"
_AWAITING = ("the cases awaiting a decision are the identification officers' (identification.selectors."
             "awaiting_decision); the others' worklist shows their own deadlines, which the grower does not make")
NOT_DRIVEN_AS: dict[tuple[str, str], str] = {
    **{(key, role): _NO_CASES for key in _CASE_RECORDS for role in ("analyst", "administrator")},
    **{(key, role): _RETURN for key in ("assistance-permit-list", "assistance-return-list",
                                        "assistance-reunification-list", "assistance-follow-up-list")
       for role in ("shelter_staff", "medical_staff", "hotline_operator")},
    **{("assistance:facility", role): _RESIDENTS
       for role in ("case_worker", "supervisor", "identification_officer", "consular_officer", "medical_staff",
                    "hotline_operator", "analyst", "administrator")},
    **{("identification:worklist", role): _AWAITING
       for role in ("case_worker", "supervisor", "shelter_staff", "consular_officer", "medical_staff",
                    "hotline_operator")},
    ("proceedings:case", "case_worker"): "the suspects are the investigation's (access.sections: INVESTIGATION)",
}
# (list, role): why its cost grows for that role, bounded by something other than its length; fails once it does not.
BOUNDED_AS: dict[tuple[str, str], str] = {}


def other_roles(key, rule):
    """The roles a list is walked as besides the one test_every_list_costs_the_same_for_three_rows_as_for_one
    walks it as."""
    allowed = walkers(rule, of_object=False)
    return [r for r in allowed if r != (LISTS[key].role or allowed[0])]


def walk(world, clients, route, rule, key, role):
    """One list walked as `role`: ("flat" | "grew" | "not_driven", what to report)."""
    listing = LISTS[key]
    values = dict(rule.literals)
    for kwarg, kind in rule.kwargs.items():
        values[kwarg] = world.provide(PROVIDERS, kind, role, True)
    url = build_url(route, values)
    query = {**dict(rule.query), **listing.query}
    client = clients.get(role, rule.api)
    where = f"{key} GET {url} as {role}"
    listing.grow(world, role)
    client.get(url, query)
    first, one, first_sql = counted(client, url, query)
    if first.status_code != 200:
        return "not_driven", f"{where}: answered {first.status_code}"
    listing.grow(world, role)
    listing.grow(world, role)
    client.get(url, query)
    again, three, again_sql = counted(client, url, query)
    if shown(again, rule.api) <= shown(first, rule.api):
        return "not_driven", (f"{where}: did not show the two records made for {role} "
                              f"({listing.grow.__doc__ or listing.grow.__name__})")
    if three > one:
        if os.environ.get("LIST_COST_SQL"):
            print(f"\n=== {key} as {role}: first\n" + "\n".join(q["sql"][:300] for q in first_sql)
                  + f"\n=== {key} as {role}: again\n" + "\n".join(q["sql"][:300] for q in again_sql))
        return "grew", f"{where}: {one} queries with one row, {three} with three"
    return "flat", f"{key}={one}"


ROLES_TO_WALK = [r for r in PREFERENCE if any(
    r in other_roles(key, rule) for key, _route, rule in get_routes() if key in LISTS and not rule.skip)]


def test_every_role_classification_names_a_list_walked_as_that_role():
    rules = {key: rule for key, _route, rule in get_routes() if key in LISTS}
    stale = sorted(f"{key} as {role}" for key, role in set(NOT_DRIVEN_AS) | set(BOUNDED_AS)
                   if key not in rules or role not in other_roles(key, rules[key]))
    assert not stale, f"NOT_DRIVEN_AS or BOUNDED_AS name a list no longer walked as that role: {stale}"


@pytest.mark.parametrize("role", ROLES_TO_WALK)
def test_every_list_costs_the_same_as_every_other_role(role, db, settings, monkeypatch):
    started = time.monotonic()
    world, clients, routes = walking_world(settings, monkeypatch)
    grew, not_driven, stale, flat = [], [], [], []
    for key in LISTS:  # in LISTS' order: the paged lists first
        route, rule = routes[key]
        if rule.skip or role not in other_roles(key, rule):
            continue
        verdict, text = walk(world, clients, route, rule, key, role)
        if (key, role) in NOT_DRIVEN_AS:
            if verdict != "not_driven":
                stale.append(f"{text} — it is driven now: take ({key!r}, {role!r}) out of NOT_DRIVEN_AS")
        elif verdict == "not_driven":
            not_driven.append(text)
        elif (key, role) in BOUNDED_AS:
            if verdict != "grew":
                stale.append(f"{text} — it costs the same now: take ({key!r}, {role!r}) out of BOUNDED_AS")
        elif verdict == "grew":
            grew.append(text)
        else:
            flat.append(text)
    print(f"\nas {role}: {len(flat)} lists cost the same in {time.monotonic() - started:.1f}s: {', '.join(flat)}")
    message = []
    if grew:
        message.append(f"{len(grew)} lists whose cost grows with their rows as {role}:\n  " + "\n  ".join(grew))
    if stale:
        message.append("\n  ".join(stale))
    if not_driven:
        message.append(f"Lists the sweep could not drive as {role} (give them records the role sees, or add them to "
                       "NOT_DRIVEN_AS with the reason):\n  " + "\n  ".join(not_driven))
    assert not message, "\n".join(message)
