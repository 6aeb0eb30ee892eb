"""Law 3, walked route by route: every GET route of the URLconf that shows identifying data of a person
appends an audit event naming the case (or the person) it showed.

How it works. The routes are those of the access matrix (tests/test_access_matrix.py: every pattern of
`get_resolver()`, pages and /api/v1/), and so are the objects in their URLs: each route is requested by every
role its matrix entry allows, each with the objects its own institution holds (the matrix's providers,
`world.provide(..., own=True)`), in the matrix's world, where every person is called "Matrix <…>", and every
text the world writes of her says "Matrix <what>" too: her patronymic and address, the case's summary, a note, a
trafficking event, a contact with her family (MatrixWorld.enrich), and each record the providers make — a plan's
goals and actions, a service, a claim, a permit, a return, a reunification, a caller, a relative, a measure, a
screening, a decision, a hearing's wishes, a release request, a referral's return plan … (her phone, her e-mail, a
caller's and a relative's phone are named in IDENTIFYING). Before any list is read, every object of a route that
takes no GET is made too (a break-glass opening, a restriction order, a merge, an alert), so that lists show them.
Pages are requested by a signed-in, two-factor-verified client, the API with a token (the matrix's `Clients`).

The allow-list rule: a route that never shows a person's identifying data is named in NO_IDENTIFYING_DATA with
the reason (the Django admin, ADMIN_PREFIX, as a whole); every other route that takes a GET is taken to show
it, so a new route is walked unless someone classifies it here. For each request:
- an allow-listed route must not show the world's identifying data (the reason is checked, not trusted);
- any other route must answer (a 4xx is a route the sweep cannot read: give it an object, or allow-list it);
  when it answers 200 showing identifying data — a marker of IDENTIFYING, a PDF of a case's record (its text is
  drawn as glyphs, not searchable) or a stored scan (an image) — at least one audit event appended by the request
  must name a case of the world (its `case_uuid`, or a case's, person's or hotline contact's uuid as the event's
  object or in its details), unless the route
  is in KNOWN_UNAUDITED (a read left unaudited on purpose, with the reason; the sweep fails once it is
  audited, so that the entry goes).
Routes that answered without identifying data in this world are printed (run with -s): a richer world reads
more of them. Routes that take no GET (POST-only actions) are not walked: an action is audited as a change.
"""
import json
import re
import time

from tests.support import matrix as mx
from tests.test_access_matrix import DECLARED, PROVIDERS, ROUTES, build_url, signed_in_world, walkers

# What identifies a person of the matrix world in an answer: every person it opens is "Matrix <owner>"
# (tests/support/world.py MatrixWorld.new_case; the referral world's "Matrix Referred"), and so is the
# suspect its proceedings record. Every free text the world writes of a person says "Matrix <what>" too (her
# patronymic, address, the case's summary, notes, events, a plan's goals, a caller's name, a relative's contact …:
# MatrixWorld.enrich and the providers of tests/support/access_matrix/); her phone and e-mail, a caller's and a
# relative's phone cannot, so they are named here.
IDENTIFYING = (b"Matrix", b"+994 55 700 11 22", b"matrix.person@example.org", b"+994 55 700 33 44",
               b"+994 55 700 55 66")

# The roles a route is walked as (every one its entry allows), in this order.

# --- The allow-list: routes that never show a person's identifying data, each with the reason -----------------
_PUBLIC = "public page: no sign-in, no case data"
_STATS = "statistics: aggregates (counts) only, small cells suppressed — never a person"
_SEARCH = "GET answers 400: the search is POSTed, and audited as a search"
_FORM_NEW = "an empty form that names no case or person"
# A form on a case or one of its records: it names the case by its reference and prefills no free text of the
# record (a version, a status, a choice of institutions); what is typed is a change, audited as one.
_FORM_CASE = "a form on a case's record: the case's reference, no free text of the record prefilled"
# A list that names each case by its reference (pseudonymous), with statuses, dates and institutions: no name,
# no free text — a reference is no one's identifying data (the case's page, which shows her, is audited).
_BY_REFERENCE = "a list naming cases by reference only, with statuses, dates and institutions"
_OWN_ACCOUNT = "the signed-in user's own account (a staff member), no case data"
NO_IDENTIFYING_DATA = {
    # Layout, sign-in, health
    "healthz": "health probe: a status word",
    "readyz": "readiness probe: a status word",
    "metrics": "process metrics (counters, no labels of records)",
    "web:login": "the sign-in form",
    "accounts:2fa_qr": "the user's own authenticator enrolment (404 once enrolled)",
    "api-root": "the list of API resources",
    "api-schema": "the OpenAPI document: describes, never holds, data",
    "api-docs": "the OpenAPI viewer",
    "api-not-found": "a JSON 404",
    # Public site
    "public:home": _PUBLIC, "public:rights": _PUBLIC, "public:trafficking": _PUBLIC,
    "public:warning_signs": _PUBLIC, "public:where_to_turn": _PUBLIC,
    "public:leaflet": "the public leaflet (PDF): the same for everyone",
    "hotline:ask_for_help": "the public help form (empty)",
    "hotline:ask_for_help_thanks": "the public form's thanks page",
    "identification:verify": "public certificate check: answers valid / not valid, never the person",
    # Reference data
    "vocabulary-list": "vocabularies: reference terms", "vocabulary-detail": "vocabularies: reference terms",
    "legal:parameters": "the figures of the law (amounts, periods)",
    "directory:search": "the directory of institutions (no persons)",
    "directory:public": "the public directory of institutions",
    "directory:detail": "an institution of the directory",
    "institution-list": "the directory of institutions", "institution-detail": "an institution of the directory",
    "assistance:index": "the list of facilities and their free beds (counts)",
    "assistance:facility": "a facility's beds and its waiting list counts; residents by reference only",
    "assistance:facility_register": "the form registering a facility (administrator; no case data)",
    "assistance:state_bodies": "the state bodies' list (institutions)",
    "assistance:capacity": "a facility's bed counts form",
    "assistance:contact": "a shelter's own confidential address (an institution's, audited as facility.address_view)",
    # Searches are POSTed (a GET carrying a term answers 400 and searches nothing); the POST is audited as
    # person.search / relative.search (nicat/persons/tests/test_search.py, nicat/safety/tests)
    "persons:search": _SEARCH, "person-search": _SEARCH, "safety:relative_search": _SEARCH,
    "hotline:link": _SEARCH,
    # Forms that name no case yet
    "cases:new": _FORM_NEW,
    "work:settings": "the supervisor's approval settings (rules, no case)",
    # Statistics
    "statistics:cases": _STATS, "statistics:calls": _STATS, "statistics:annual_report": _STATS,
    "statistics:report_schedules": _STATS, "statistics:scheduled_report": _STATS,
    "statistics-cases-list": _STATS, "statistics-proceedings-list": _STATS,
    # Forms on a case's records (the record's text is shown on the case's audited page, never on its form)
    "assistance:action_add": _FORM_CASE, "assistance:allowance_add": _FORM_CASE,
    "assistance:allowance_reverse": _FORM_CASE, "assistance:claim_add": _FORM_CASE,
    "assistance:claim_award": _FORM_CASE, "assistance:claim_payment": _FORM_CASE, "assistance:close": _FORM_CASE,
    "assistance:compensation_reverse": _FORM_CASE, "assistance:discharge": _FORM_CASE,
    "assistance:extend": _FORM_CASE, "assistance:follow_up_add": _FORM_CASE,
    "assistance:follow_up_record": _FORM_CASE, "assistance:goal_add": _FORM_CASE,
    "assistance:goal_decline": _FORM_CASE, "assistance:interpreter_add": _FORM_CASE,
    "assistance:return_add": _FORM_CASE, "assistance:return_cancel": _FORM_CASE,
    "assistance:return_complete": _FORM_CASE, "assistance:reunification_add": _FORM_CASE,
    "assistance:reunification_edit": "a reunification's status form: its note is not prefilled (the case's page "
                                     "shows it, audited)",
    "assistance:review_add": _FORM_CASE, "assistance:service_add": _FORM_CASE, "assistance:transfer": _FORM_CASE,
    "assistance:admit": "the admission form: a case is typed by its reference",
    "assistance:waiting_add": "the waiting-list form: a case is typed by its reference",
    "consent:record": _FORM_CASE, "consent:withdraw": "a consent's purpose, institution and date, and the form",
    "consent:withdraw_all": _FORM_CASE, "consent:withdrawal_wish": _FORM_CASE,
    "consent:conversation": "the consent conversation's form: purposes and their state, nothing of the person",
    "consent:conversation_print": "the consent form to sign: purposes, institutions and decisions by case reference",
    "identification:refer": _FORM_CASE,
    "identification:screening_new": "a new screening's form: the case's reference, the indicator list and the age "
                                    "at the acts (no name, no free text)",
    "proceedings:appearance_add": _FORM_CASE, "proceedings:appearance_outcome": _FORM_CASE,
    "proceedings:claim_link": _FORM_CASE, "proceedings:hearing_add": _FORM_CASE,
    "proceedings:perpetrator_add": _FORM_CASE, "proceedings:release_add": _FORM_CASE,
    "proceedings:release_decide": _FORM_CASE, "proceedings:stage": _FORM_CASE, "proceedings:verdict": _FORM_CASE,
    "referrals:new": _FORM_CASE, "retention:request_new": _FORM_CASE, "work:task_new": _FORM_CASE,
    "work:assign": "the case's assignment form: its reference and the staff who may take it",
    "hotline:new": "an empty form for a new hotline contact",
    "cases:export": "the export's form (how many cases match): the file is POSTed, audited as cases.export",
    "safety:measures": "GET asks for the reason: the measures are shown only to the POST that gives it, audited "
                       "as security.list with the reason",
    "access:break_glass": "the break-glass form and the user's own openings, by case reference",
    "access:restrictions": "the restriction orders: case reference, issuing body, decision number, roles",
    # Lists by case reference
    "cases:list": _BY_REFERENCE, "referrals:list": _BY_REFERENCE, "identification:worklist": _BY_REFERENCE,
    "work:approvals": _BY_REFERENCE, "consent:orders": _BY_REFERENCE, "hotline:desk": _BY_REFERENCE,
    "hotline:alerts": "an alert holds no personal data: the contact's reference, why urgent, the region",
    "persons:duplicates": "pairs of records by date, source and probability: the pair is compared on its own "
                          "page (audited)",
    "referrals:notification_open": "redirects to the record the notification names (walked on its own)",
    # The API's records that hold nothing of a person
    "approval-list": "approvals: kind, status, case reference, staff (the decision note is not in the API)",
    "approval-detail": "an approval: kind, status, case reference, staff (the decision note is not in the API)",
    "case-assignment": "who works on the case: staff members, not the person",
    "identification-detail": "the identification's state: statuses, dates, deadlines, flags (codes)",
    "assistance-compensation-payment-list": "compensation payments: amounts, dates and sources, no free text",
    "assistance-compensation-payment-detail": "a compensation payment: amount, date and source, no free text",
    "assistance-facility-list": "facilities and their bed counts", "assistance-facility-detail": "a facility's beds",
    "assistance-facility-occupancy": "a facility's occupied beds per day (counts)",
    "assistance-facility-address": "a shelter's own confidential address (an institution's)",
    "consent-legal-bases": "the legal bases a law gives (reference data)",
    "token-list": _OWN_ACCOUNT, "token-detail": _OWN_ACCOUNT,
    "accounts:2fa_setup": _OWN_ACCOUNT, "accounts:2fa_verify": _OWN_ACCOUNT,
    "accounts:password_change": _OWN_ACCOUNT, "accounts:security": _OWN_ACCOUNT,
    "accounts:grants": "role grants to confirm: staff members and roles, no case data",
    # Notifications: a case is named by its reference, never its person (nicat/referrals/models.Notification)
    "referrals:notifications": "notifications name a case by reference only",
    "notification-list": "notifications name a case by reference only",
}
# Reads of identifying data known to go unaudited, left as they are for the reason given: the sweep reports them
# and fails as soon as one is audited (then take it out of here).
KNOWN_UNAUDITED: dict[str, str] = {}
# The Django admin: administrators only, and it holds no case content (nicat/accounts/tests/test_admin_scope.py).
ADMIN_PREFIX = "admin:"


def get_routes():
    """(key, route, rule) of every route whose entry takes a GET."""
    for owner in sorted(DECLARED):
        for key, rule in sorted(DECLARED[owner].items()):
            if key in ROUTES and "get" in rule.methods:
                yield key, ROUTES[key], rule


def world_ids():
    """The uuids of every case and person of the world (as text), and of every hotline contact: a caller's name
    and phone are recorded on the contact before any case exists, and its reads name the contact (the record of
    that person: nicat/hotline/selectors.py)."""
    from nicat.cases.models import Case
    from nicat.hotline.models import Contact

    ids = set()
    for case_uuid, person_uuid in Case.objects.system().values_list("uuid", "person__uuid"):
        ids.update({str(case_uuid), str(person_uuid)})
    ids.update(str(u) for u in Contact.objects.system().values_list("uuid", flat=True))
    return ids


def names_the_world(event, ids):
    if event.case_uuid in ids or event.object_id in ids:
        return True
    details = json.dumps(event.details)
    return any(i in details for i in ids)


def body_of(response):
    return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content


def shown(body):
    """Where the body shows identifying data (a few characters around it), or ""."""
    found = [at for at in (body.find(marker) for marker in IDENTIFYING) if at >= 0]
    if not found:
        return ""
    at = min(found)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body[max(0, at - 80):at + 40].decode(errors="replace")))


def test_every_allow_listed_route_exists():
    stale = sorted((set(NO_IDENTIFYING_DATA) | set(KNOWN_UNAUDITED)) - {key for key, _route, _rule in get_routes()})
    assert not stale, f"Allow-listed routes that no longer exist (or take no GET): {stale}"


def test_every_read_of_identifying_data_is_audited(db, settings):
    from nicat.audit.models import AuditEvent

    started = time.monotonic()
    world, clients = signed_in_world(settings)
    for role in mx.ROLES:
        world.case_of(role)  # every institution's own case exists before any list is read
    # and so does every object of a route that takes no GET (a break-glass opening to review, a restriction order,
    # a merge, an alert …): the lists show them too.
    for _owner, entries in sorted(DECLARED.items()):
        for _key, rule in sorted(entries.items()):
            if "get" not in rule.methods and not rule.skip:
                for role in walkers(rule):
                    for kind in rule.kwargs.values():
                        world.provide(PROVIDERS, kind, role, True)
    plan = []
    for key, route, rule in get_routes():
        if key.startswith(ADMIN_PREFIX) or rule.skip:
            continue
        roles = walkers(rule)  # none: nobody signed in may GET it (the metrics endpoint)
        # An allow-listed route is checked as every role too: what a page shows depends on the reader (a
        # facility's residents to its staff, a supervisor's queue …).
        for role in roles:
            values = dict(rule.literals)
            for kwarg, kind in rule.kwargs.items():
                values[kwarg] = world.provide(PROVIDERS, kind, role, True)
            plan.append((key, route, rule, role, values))
    # Objects first, lists after: the lists then have the records the objects' providers made.
    plan.sort(key=lambda p: not p[2].kwargs)
    unaudited, unwalked, leaking, quiet, known, audited, walked = [], [], [], set(), set(), set(), set()
    for key, route, rule, role, values in plan:
        if any(v is None for v in values.values()):
            if key not in NO_IDENTIFYING_DATA:
                unwalked.append(f"{key}: the world has no object for {role}")
            continue
        url = build_url(route, values)
        ids = world_ids()
        last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        response = clients.get(role, rule.api).get(url, dict(rule.query))
        where = f"{key} GET {url} as {role}"
        # A PDF of a case's record draws its text as glyphs (not searchable); a stored scan (a signed consent form,
        # a copy of a court's order) is an image or a PDF: either shows the person whatever its bytes say.
        pdf = response.get("Content-Type", "").startswith(("application/pdf", "image/"))
        seen = "" if pdf or response.status_code != 200 else shown(body_of(response))
        walked.add(key)
        if key in NO_IDENTIFYING_DATA:
            if seen:
                leaking.append(f"{where}: allow-listed, but it showed «{seen}»")
            continue
        if response.status_code >= 400:
            unwalked.append(f"{where}: answered {response.status_code}")
            continue
        if not (seen or (pdf and response.status_code == 200)):
            quiet.add(key)
            continue
        events = list(AuditEvent.objects.filter(sequence__gt=last))
        if any(names_the_world(e, ids) for e in events):
            audited.add(key)
            if key in KNOWN_UNAUDITED:
                unaudited.append(f"{where}: audited now — take it out of KNOWN_UNAUDITED")
        elif key in KNOWN_UNAUDITED:
            known.add(key)
        else:
            unaudited.append(f"{where}: showed «{seen or 'a PDF or a scan'}», but no audit event names a case "
                             f"(appended: {[e.action for e in events]})")
    elapsed = time.monotonic() - started
    quiet -= audited | known
    print(f"\nwalked {len(walked)} GET routes ({len(plan)} requests, every role allowed) in {elapsed:.1f}s: "
          f"{len(audited)} showed identifying data and were audited, {len(NO_IDENTIFYING_DATA)} allow-listed, "
          f"known unaudited: {sorted(known)}, {len(quiet)} showed none in this world: {sorted(quiet)}")
    message = []
    if unaudited:
        message.append(f"{len(unaudited)} reads of identifying data without an audit event:\n  " + "\n  ".join(unaudited))
    if leaking:
        message.append("Allow-listed routes that showed identifying data:\n  " + "\n  ".join(leaking))
    if unwalked:
        message.append("Routes the sweep could not read (give them an object in the world, or allow-list them with "
                       "the reason):\n  " + "\n  ".join(unwalked))
    assert not message, "\n".join(message)
