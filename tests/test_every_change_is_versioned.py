"""Law 7, walked route by route: no change of an existing record lets a stale edit silently overwrite.

How it works. The routes are those of the access matrix (tests/test_access_matrix.py: every pattern of
`get_resolver()`), and so are its world, its object providers and its signed-in clients. A route changes an
existing record when
- it is an API route whose viewset maps PUT or PATCH (an update), or POST on a route with an object in its URL
  (an action on that record: accept, decline, cancel …), or an APIView with `put`;
- it is a page with an object in its URL that takes a POST: a form page (GET shows the form, POST saves it) or a
  POST-only action.
Creating routes with no object in their URL are not changes of an existing record and are not walked.

For each route, as the first role its matrix entry allows (the order of tests/test_every_read_audited.py), with
the role's own object, the record the route changes (TARGET) is found by its uuid:
1. its version is read (for a form page: the form is fetched and every field it shows is posted back as shown);
2. the record is changed once through the one strict version check of nicat/core (`bump_version`), so that
   the version moves on, as another user's save would;
3. the change is sent with the OLD version: the API must answer 409, a page must say the record was "changed
   by someone else" (200/409, or after its redirect), and every stored column of the record must be as it was;
4. API only: the change without `version` must answer 400 naming `version`.

The allow-list rule: a route that changes a record without the version (it only appends a new record, or its
service locks the row and re-checks the state, so a second identical action is refused as such) is named in
NOT_VERSIONED with the reason. The reason is checked, not trusted: an allow-listed route is still sent the
stale version, and must not refuse it as a concurrent edit (else it is versioned: take it out of the list).
A route the walk cannot drive (the form's version is not the target's, a 400 for another reason…) is
reported as unwalked, never passed.
"""
import re
import time
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from nicat.core.models import VersionedModel
from tests.test_access_matrix import DECLARED, PROVIDERS, ROUTES, build_url, signed_in_world, walkers

CONFLICT = "changed by someone else"

# Routes that change a record without a version, each with the reason (checked: they must not refuse a stale
# version as a concurrent edit).
_WITHDRAW = ("a withdrawal of consent is never blocked by someone else's edit: the service locks the consent and "
             "refuses a second withdrawal as such (nicat/consent/services.py withdraw_consent)")
NOT_VERSIONED: dict[str, str] = {
    "consent-withdraw": _WITHDRAW,
    "consent:withdraw": _WITHDRAW,
}

# Routes the walk does not drive yet, with what it lacks (a body for the action, a role or an object of the
# world): they are reported, not passed. Each is a gap of this walk, not a finding; the test fails once one is
# walked (then take it out of here).
NOT_YET_WALKED: dict[str, str] = {
    'access:break_glass_end': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'access:break_glass_reviewed': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'access:restriction_lift': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'accounts:grant_decide': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'accounts:token_revoke': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'approval-decide': "the first allowed role may not take this action on the world's object: needs another role",
    'assistance-compensation-award': 'the action needs a body (BODIES) before its version check',
    'assistance-compensation-payment': 'the action needs a body (BODIES) before its version check',
    'assistance-follow-up-record': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'assistance-plan-goal-actions': 'the action needs a body (BODIES) before its version check',
    'assistance-plan-goals': 'the action needs a body (BODIES) before its version check',
    'assistance-plan-reviews': 'the action needs a body (BODIES) before its version check',
    'assistance-return-complete': 'the action needs a body (BODIES) before its version check',
    'assistance-stay-discharge': 'the action needs a body (BODIES) before its version check',
    'assistance-stay-transfer': 'the action needs a body (BODIES) before its version check',
    'assistance:agreement': "the form's version is not that of the record in its URL (a sub-record): needs a TARGET",
    'assistance:allowance_reverse': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:claim_award': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:claim_payment': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:close': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:compensation_reverse': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:extend': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:follow_up_record': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'assistance:interpreter_remove': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'assistance:permit_open': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'assistance:plan_create': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'assistance:return_complete': 'the form as shown does not validate (a required field is empty): needs a body',
    'assistance:transfer': 'the form as shown does not validate (a required field is empty): needs a body',
    'case-assignment': 'the action needs a body (BODIES) before its version check',
    'case-events': 'the action needs a body (BODIES) before its version check',
    'case-notes': 'the action needs a body (BODIES) before its version check',
    'cases:event_add': 'the form as shown does not validate (a required field is empty): needs a body',
    'cases:note_add': 'the form as shown does not validate (a required field is empty): needs a body',
    'cases:person_edit': "the form's version is not that of the record in its URL (a sub-record): needs a TARGET",
    'consent:order_approve': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'consent:order_reject': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'consent:wish_resolve': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'data-request-decide': 'the action needs a body (BODIES) before its version check',
    'directory:detail': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'hotline:alert_acknowledge': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'hotline:link': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'hotline:open_case': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'identification-refer': 'the action needs a body (BODIES) before its version check',
    'identification:decide': 'the form as shown does not validate (a required field is empty): needs a body',
    'identification:residence_permit': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'identification:screening_new': "the form's version is not that of the record in its URL (a sub-record): needs a TARGET",
    'identification:screening_preview': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'persons:duplicate_dismiss': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'persons:duplicate_merge': 'the form as shown does not validate (a required field is empty): needs a body',
    'persons:merge_undo': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'proceedings-appearance-detail': "the first allowed role may not take this action on the world's object: needs another role",
    'proceedings-criminal-case-link-compensation': 'the action needs a body (BODIES) before its version check',
    'proceedings-criminal-case-stage': 'the action needs a body (BODIES) before its version check',
    'proceedings-criminal-case-verdict': 'the action needs a body (BODIES) before its version check',
    'proceedings-hearing-detail': "the first allowed role may not take this action on the world's object: needs another role",
    'proceedings-release-request-decide': 'the action needs a body (BODIES) before its version check',
    'proceedings:stage': 'the form as shown does not validate (a required field is empty): needs a body',
    'proceedings:verdict': 'the form as shown does not validate (a required field is empty): needs a body',
    'referral-arrival': 'the action needs a body (BODIES) before its version check',
    'referral-progress': 'the world\'s incoming referral awaits a response: progress needs an accepted one',
    'referral-return-plan': 'the action needs a body (BODIES) before its version check',
    'referrals:arrival': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'referrals:cancel': 'answered 200 without a conflict: the walk sends no reason and walks it as a role that may not cancel; '
                        'checked by hand: a stale cancel is refused with the conflict message after the redirect',
    'referrals:decline': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'referrals:notification_open': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'referrals:progress': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'referrals:return_plan': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'retention:request_decide': 'the form as shown does not validate (a required field is empty): needs a body',
    'safety-assessment-plan': 'the action needs a body (BODIES) before its version check',
    'safety:assess': 'the form as shown does not validate (a required field is empty): needs a body',
    'safety:family_contact': 'the form as shown does not validate (a required field is empty): needs a body',
    'safety:measure_add': 'the form as shown does not validate (a required field is empty): needs a body',
    'safety:plan': 'answered 200 without a conflict: a read page or an action whose refusal the walk does not recognise yet',
    'safety:relative_add': 'the form as shown does not validate (a required field is empty): needs a body',
    'security-measure-detail': 'the action needs a body (BODIES) before its version check',
    'statistics:end_report_schedule': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'statistics:scheduled_report': 'its object has no version column: to classify (a versioned record, or one its service locks)',
    'work:assign': "the form's version is not that of the record in its URL (a sub-record): needs a TARGET",
    'work:task_new': "the form's version is not that of the record in its URL (a sub-record): needs a TARGET",
}

# A body an action needs besides the version (without it the action refuses for another reason first).
BODIES: dict[str, dict] = {
    'referral-cancel': {'reason': 'Matrix: no longer needed.'},
    'referral-decline': {'reason': 'Matrix: no place.'},
    'assistance-stay-extend': {'reason': 'Matrix: needs more time.'},
    'assistance-allowance-reverse': {'reason': 'Matrix: paid twice.'},
    'assistance-compensation-payment-reverse': {'reason': 'Matrix: paid twice.'},
    'legal-basis-order-reject': {'reason': 'Matrix: no court order attached.'},
    'consent-withdrawal-wish-resolve': {'note': 'Matrix: withdrew the consent.'},
}

def callbacks():
    found = {}

    def walk(resolver, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p, ns)
            elif isinstance(p, URLPattern) and p.name:
                found.setdefault(f"{namespace}:{p.name}" if namespace else p.name, p.callback)

    walk(get_resolver(), None)
    return found


def rules():
    return {key: rule for entries in DECLARED.values() for key, rule in entries.items() if key in ROUTES}


def change_routes():
    """(key, kind, methods) of every route that changes an existing record: kind "api" or "page"."""
    found, every = [], rules()
    for key, callback in sorted(callbacks().items()):
        rule = every.get(key)
        if rule is None or rule.skip or key.startswith("admin:") or not rule.kwargs:
            continue
        actions = getattr(callback, "actions", None)
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        allowed = getattr(cls, "http_method_names", ())
        if actions is not None:
            actions = {m: a for m, a in actions.items() if m in allowed}
            methods = tuple(m for m in ("patch",) if m in actions) or \
                tuple(m for m in ("post",) if m in actions and actions[m] != "create")
            if methods:
                found.append((key, "api", methods))
        elif cls is not None:
            if hasattr(cls, "put"):
                found.append((key, "api", ("put",)))
        elif "post" in rule.methods or "get" in rule.methods:
            found.append((key, "page", ("post",)))  # a GET page is walked when its form carries a version
    return found


def walker(rule):
    """The role a change route is walked as: the first of `walkers`, each route being one of an object."""
    return (walkers(rule, of_object=True) or [None])[0]


def versioned_models():
    return [m for m in apps.get_models() if issubclass(m, VersionedModel)]


def record_of(uuid):
    for model in versioned_models():
        obj = model._base_manager.filter(uuid=uuid).first() if hasattr(model, "uuid") else None
        if obj is not None:
            return obj
    return None


def stored(obj):
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def move_on(obj):
    """Someone else's change: the version moves on through the one strict check of nicat/core."""
    from nicat.core.services import bump_version

    with transaction.atomic():
        bump_version(type(obj), obj, type(obj)._base_manager.get(pk=obj.pk).version)


class Forms(HTMLParser):
    """The forms of a page: [(action, {name: value})], each field as the page shows it."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", (a.get("method") or "get").lower(), {}))
        if not self.forms:
            return
        fields = self.forms[-1][2]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields.setdefault(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][2][self._textarea] += data


def page_form(response, url):
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    parser = Forms()
    parser.feed(response.content.decode(errors="replace"))
    for action, method, fields in parser.forms:
        if method == "post" and "version" in fields and action in ("", url):
            return fields
    return None


def refused(response):
    if response.status_code == 409:
        return True
    text = response.content.decode(errors="replace")
    return response.status_code in (200, 400) and CONFLICT in text


def names_version(response):
    try:
        return response.status_code == 400 and "version" in response.json()
    except ValueError:
        return False


def test_every_allow_listed_route_exists():
    walked = {key for key, _kind, _methods in change_routes()}
    stale = sorted((set(NOT_VERSIONED) | set(BODIES) | set(NOT_YET_WALKED)) - walked)
    assert not stale, f"Allow-listed routes that are not change routes (any more): {stale}"


def test_every_change_refuses_a_stale_version(db, settings):
    started = time.monotonic()
    world, clients = signed_in_world(settings)
    every = rules()
    overwriting, unwalked, versioned_but_listed, walked, listed = [], [], [], [], []
    for key, kind, methods in change_routes():
        rule, route = every[key], ROUTES[key]
        role = walker(rule)
        if role is None:
            unwalked.append(f"{key}: no role may use it")
            continue
        values = dict(rule.literals)
        for kwarg, kind_of in rule.kwargs.items():
            values[kwarg] = world.provide(PROVIDERS, kind_of, role, True)
        if any(v is None for v in values.values()):
            unwalked.append(f"{key}: the world has no object for {role}")
            continue
        url = build_url(route, values)
        target = record_of(list(values.values())[-1])
        if target is None:
            if key not in NOT_VERSIONED:
                unwalked.append(f"{key}: its object is no versioned record")
            continue
        client = clients.get(role, kind == "api")
        for method in methods:
            old = stored(target)
            if kind == "api":
                # an update names only the version (the service's check comes before any change), an action
                # the body it needs
                stale = {**(BODIES.get(key, {}) if method == "post" else {}), "version": old["version"]}
            else:
                form = None
                if "get" in rule.methods:
                    form = page_form(client.get(url), url)
                    if form is None and "post" not in rule.methods:
                        continue  # a page without an edit form: a read, or a form creating a new record
                stale = {**(form or BODIES.get(key, {})), "version": old["version"]}
                if form is not None and str(form["version"]) != str(old["version"]):
                    unwalked.append(f"{key}: its form's version ({form['version']}) is not that of "
                                    f"{type(target).__name__} ({old['version']})")
                    continue
            move_on(target)
            moved = stored(target)
            if kind == "api":
                response = getattr(client, method)(url, stale, format="json")
            else:
                response = client.post(url, stale, follow=True)
            after = stored(target)
            where = f"{key} {method.upper()} {url} as {role}"
            if refused(response):
                if after != moved:
                    overwriting.append(f"{where}: refused, but the record changed")
                elif key in NOT_VERSIONED:
                    versioned_but_listed.append(f"{key}: refuses a stale version — take it out of NOT_VERSIONED")
                else:
                    walked.append(key)
            elif key in NOT_VERSIONED:
                listed.append(key)
            elif response.status_code < 300 and (kind == "api" or after != moved):
                changed = sorted(k for k in after if after[k] != moved[k])
                overwriting.append(f"{where}: a stale version was taken ({response.status_code}), {changed} "
                                   f"overwritten")
            else:
                text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode(errors="replace")))
                unwalked.append(f"{where}: answered {response.status_code} «{text[:300]}»")
            if kind == "api" and key not in NOT_VERSIONED and refused(response):
                missing = getattr(client, method)(url, {k: v for k, v in stale.items() if k != "version"},
                                                  format="json")
                if not names_version(missing):
                    overwriting.append(f"{where} without a version: answered {missing.status_code}, not a 400 "
                                       f"naming version: {missing.content[:200]!r}")
    elapsed = time.monotonic() - started
    print(f"\nwalked {len(set(walked))} change routes in {elapsed:.1f}s; {len(set(listed))} allow-listed")
    message = []
    if overwriting:
        message.append(f"{len(overwriting)} stale changes not refused:\n  " + "\n  ".join(overwriting))
    if versioned_but_listed:
        message.append("Allow-listed, but versioned:\n  " + "\n  ".join(versioned_but_listed))
    gaps = {line.split(" ", 1)[0].rstrip(":") for line in unwalked}
    now_walked = sorted(set(NOT_YET_WALKED) - gaps)
    unwalked = [line for line in unwalked if line.split(" ", 1)[0].rstrip(":") not in NOT_YET_WALKED]
    print(f"not yet walked: {len(gaps & set(NOT_YET_WALKED))}: {sorted(gaps & set(NOT_YET_WALKED))}")
    if now_walked:
        message.append(f"Walked now — take them out of NOT_YET_WALKED: {now_walked}")
    if unwalked:
        message.append(f"{len(unwalked)} routes the walk could not drive:\n  " + "\n  ".join(unwalked))
    assert not message, "\n".join(message)


pytestmark = pytest.mark.django_db
