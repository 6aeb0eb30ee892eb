"""The access matrix: every route of the URLconf, for every role, answers as declared.

HOW TO DECLARE YOUR ROUTES
--------------------------
Each app declares the expected outcome of each of its routes in `tests/support/access_matrix/<app>.py`:

    from tests.support.matrix import CASE_WORKING, EVERYONE, api, page, public, admin_only

    MATRIX = {
        "referrals:list": page(CASE_WORKING),                                   # a page
        "referrals:accept": page(CASE_WORKING, methods=("post",), kwargs={"uuid": "referral"}),
        "referral-list": api(EVERYONE),                                        # an API route (token)
        "directory:public": public(),                                          # anyone, signed in or not
    }
    OBJECTS = {"referral": lambda world, role, own: ...}  # URL values of your object kinds

A route belongs to the file of the app whose class-based view (or DRF viewset) serves it, else to the
app whose urls.py declares it; routes of nicat/urls.py itself (the admin, i18n) belong to
tests/support/access_matrix/web.py. The key is the route's name with its namespace ("cases:detail",
"case-list"); an unnamed route is keyed by namespace and full pattern ("admin:admin/(?P<url>.*)$").

What is checked, per route and role (roles: every nicat.accounts.models.Role, plus anonymous):
- a role in `allow` gets an answer that is not a refusal (not 401/403/404/405, not a redirect to a
  sign-in or two-factor page, never 5xx), or one of `expect` if given;
  with an object in the URL: its own object must be allowed, a foreign one must answer 404;
- a signed-in role outside `allow` gets `denied` (403 by default);
- an anonymous visitor gets `anonymous` (a redirect to the sign-in page by default, 401 for the API).
A public route (anonymous allowed, every role allowed, no object) is checked for anonymous and one role.
Sessions are signed in with both factors (NICAT_REQUIRE_2FA on); API routes use a token.
See tests/support/matrix.py for Rule's fields and the world the checks run in.

A route without an entry fails test_every_route_has_an_entry, naming the file where the entry belongs.
"""
import importlib
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from nicat.accounts.models import CASE_ROLES
from tests.support import matrix as mx

ROOT_URLCONF_APP = "web"


@dataclass
class Route:
    key: str
    name: str | None
    path: str
    owner: str  # app label under nicat/

    @property
    def owner_file(self):
        return f"tests/support/access_matrix/{self.owner}.py"


def _app_of_module(module):
    if module and module.startswith("nicat."):
        part = module.split(".")[1]
        return ROOT_URLCONF_APP if part == "urls" else part
    return None


def collect_routes():
    routes = {}

    def walk(resolver, prefix, namespace, urlconf_module):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                module = urlconf_module
                declared = p.urlconf_name if isinstance(p.urlconf_name, str) else getattr(p.urlconf_name,
                                                                                          "__name__", None)
                if declared and declared.startswith("nicat."):
                    module = declared
                walk(p, prefix + str(p.pattern), ns, module)
            elif isinstance(p, URLPattern):
                full = prefix + str(p.pattern)
                if p.name:
                    key = f"{namespace}:{p.name}" if namespace else p.name
                else:
                    key = f"{namespace}:{full}" if namespace else full
                if key in routes:
                    continue  # format-suffix twin of a route already seen
                cls = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                owner = _app_of_module(getattr(cls, "__module__", None)) or _app_of_module(urlconf_module)
                routes[key] = Route(key=key, name=key if p.name else None, path=full, owner=owner or ROOT_URLCONF_APP)

    resolver = get_resolver()
    walk(resolver, "", None, resolver.urlconf_name)
    return routes


def collect_declarations():
    """{owner app: MATRIX}, and every OBJECTS provider."""
    declared, providers = {}, dict(mx.OBJECTS)
    for config in apps.get_app_configs():
        if not config.name.startswith("nicat."):
            continue
        table = f"tests.support.access_matrix.{config.name.split('.')[1]}"
        try:
            module = importlib.import_module(table)
        except ModuleNotFoundError as exc:
            if exc.name != table:
                raise
            continue
        declared[config.name.split(".")[1]] = dict(getattr(module, "MATRIX", {}))
        providers.update(getattr(module, "OBJECTS", {}))
    return declared, providers


ROUTES = collect_routes()
DECLARED, PROVIDERS = collect_declarations()


def test_every_route_has_an_entry():
    missing = [f"  {r.key!r} ({r.path}) -> add it to MATRIX in {r.owner_file}"
               for r in ROUTES.values() if r.key not in DECLARED.get(r.owner, {})]
    assert not missing, "Routes without an access-matrix entry:\n" + "\n".join(sorted(missing))


def test_no_entry_names_a_route_that_does_not_exist():
    stale = [f"  {key!r} in tests/support/access_matrix/{owner}.py" for owner, entries in DECLARED.items()
             for key in entries if key not in ROUTES or ROUTES[key].owner != owner]
    assert not stale, "Access-matrix entries without such a route (or in the wrong file):\n" + "\n".join(stale)


# --- Running the declared checks ----------------------------------------------------------------

_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def build_url(route, values):
    if route.name:
        return reverse(route.name, kwargs=values)
    path = _CONVERTER.sub(lambda m: values[m.group(1)], route.path)
    path = _GROUP.sub(lambda m: values[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", "")


def is_refusal_redirect(response):
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    location = response.get("Location", "")
    return any(location.startswith(p) for p in (reverse("web:login"), "/admin/login/", "/account/2fa/"))


def outcome_ok(response, expected, rule):
    status = response.status_code
    if status >= 500:
        return False
    if expected == mx.ALLOW:
        if rule.expect:
            return status in rule.expect
        return status not in (401, 403, 404, 405) and not is_refusal_redirect(response)
    if expected == mx.LOGIN:
        return status == 302 and response["Location"].startswith(reverse("web:login"))
    if expected == mx.ADMIN_LOGIN:
        return status == 302 and response["Location"].startswith("/admin/login/")
    if isinstance(expected, tuple):
        return status in expected
    return status == expected


class Clients:
    """One signed-in client per role (both factors), a token client per role for the API."""

    def __init__(self, world):
        self.world = world
        self.pages, self.apis = {}, {}

    def get(self, role, api):
        from nicat.accounts.tokens import issue_token
        from tests.support.world import verified_login

        if role == mx.ANONYMOUS:
            return APIClient() if api else Client()
        store = self.apis if api else self.pages
        if role not in store:
            user = self.world.user(role)
            user.refresh_from_db()
            if api:
                client = APIClient()
                client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user, name='matrix')}")
            else:
                client = verified_login(Client(), user)
            store[role] = client
        return store[role]

    def forget(self, role):
        self.pages.pop(role, None)
        self.apis.pop(role, None)


def request(client, method, url, rule):
    data = dict(rule.query)
    if method == "get":
        return client.get(url, data)
    if rule.api:
        return getattr(client, method)(url, data, format="json")
    return getattr(client, method)(url, data)


def check_route(world, clients, route, rule):
    """Failures of one route, as sentences."""
    failures = []
    object_kwargs = dict(rule.kwargs)

    def values_for(role, own):
        values = dict(rule.literals)
        for kwarg, kind in object_kwargs.items():
            value = world.provide(PROVIDERS, kind, role, own)
            if value is None:
                return None
            values[kwarg] = value
        return values

    def run(role, own, expected, label):
        values = values_for(role if role != mx.ANONYMOUS else "case_worker", own)
        if values is None:
            return
        url = build_url(route, values)
        for method in rule.methods:
            client = clients.get(role, rule.api)
            response = request(client, method, url, rule)
            if rule.ends_session:
                clients.forget(role)
            if not outcome_ok(response, expected, rule):
                where = response.get("Location", "")
                failures.append(f"{route.key} {method.upper()} {url} as {role} ({label}): got {response.status_code}"
                                f"{' -> ' + where if where else ''}, expected {expected}"
                                f"{' ' + str(rule.expect) if expected == mx.ALLOW and rule.expect else ''}")

    roles = mx.ROLES
    if rule.anonymous == mx.ALLOW and rule.allow == mx.EVERYONE and not object_kwargs:
        roles = mx.ROLES[:1]  # a public route answers everyone alike: anonymous and one signed-in role
    for role in roles:
        if role in rule.allow:
            run(role, True, mx.ALLOW, "own" if object_kwargs else "allowed")
            if object_kwargs:
                run(role, False, 404, "foreign object")
        else:
            own_values = values_for(role, True)
            run(role, own_values is not None, rule.denied, "role not allowed")
    run(mx.ANONYMOUS, True, rule.anonymous, "anonymous")
    return failures


OWNERS = sorted(owner for owner, entries in DECLARED.items() if entries)

# The roles a route-walking test (tests/test_every_read_audited.py, tests/test_every_change_is_versioned.py) walks a
# route as, in this order.
PREFERENCE = ("case_worker", "supervisor", "identification_officer", "shelter_staff", "consular_officer",
              "medical_staff", "hotline_operator", "analyst", "administrator")


def walkers(rule, *, of_object=None):
    """The roles a route is walked as: every role its entry allows (each role's own objects), in PREFERENCE's
    order; for a route of an object (`of_object`; by default, one whose URL takes an argument), the case-working
    ones first and alone (the others have no object of their own)."""
    allowed = [r for r in PREFERENCE if r in rule.allow]
    if rule.kwargs if of_object is None else of_object:
        allowed = [r for r in allowed if mx.Role(r) in CASE_ROLES] or allowed
    return allowed


def signed_in_world(settings):
    """The matrix's world and a signed-in client per role, both factors required as in production."""
    settings.NICAT_REQUIRE_2FA = True
    world = mx.World()
    return world, Clients(world)


@pytest.mark.parametrize("owner", OWNERS, ids=[f"tests/support/access_matrix/{o}.py" for o in OWNERS])
def test_routes_answer_as_declared(owner, db, settings):
    world, clients = signed_in_world(settings)
    failures = []
    for key, rule in sorted(DECLARED[owner].items()):
        route = ROUTES.get(key)
        if route is None or rule.skip:
            continue
        failures.extend(check_route(world, clients, route, rule))
    assert not failures, f"{len(failures)} unexpected answers:\n" + "\n".join(failures)
