"""The users of bench/load.py (Locust). Not run on its own: bench/load.py prepares the database, the
accounts and the two servers, then runs `locust -f bench/load_locustfile.py --headless` with

    NICAT_LOAD_HOSTS     comma-separated base URLs; users are given them in turn (split across servers)
    NICAT_LOAD_ACCOUNTS  a JSON file: {persona: [{username, password, token, totp_key, institution}], shelter}
    NICAT_LOAD_RESULT    where the statistics are written as JSON when the run stops

Five kinds of staff, as they work:

* ApiCaseWorker — a case worker of an NGO, the assistance centre or the Main Department using the API with
  their own token: intake (a new case with its person), person search, case list, case reads, consent and a
  referral to the state shelter for a case they opened, their outgoing referrals;
* PageCaseWorker — the same work through the pages, signed in with password and the authenticator code:
  dashboard, case list, case page, person search, referrals, notifications;
* ShelterApi — staff of the state shelter: the incoming referrals, accepting those that wait (each user
  accepts its own share, so two users never answer the same referral), reading the case it now may see;
* AnalystPage — the statistics pages and the dashboard;
* SupervisorPage — the Main Department's supervisor: dashboard, case list, task list, referrals.

Every response other than 2xx/3xx is a failure, listed by route with its status.
"""
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import time
import uuid
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

HOSTS = [h for h in os.environ.get("NICAT_LOAD_HOSTS", "http://127.0.0.1:8000").split(",") if h]
ACCOUNTS = json.loads(open(os.environ["NICAT_LOAD_ACCOUNTS"]).read()) if os.environ.get("NICAT_LOAD_ACCOUNTS") \
    else {}
_account_turn = {}

NAMES = ["Məmmədova", "Məmmədov", "Əliyeva", "Əliyev", "Hüseynova", "Hüseynov", "Həsənova", "Quliyev",
         "Mamedova", "Aliyev", "Гусейнова", "Мамедов", "İsmayılova", "Cəfərov", "Rzayeva", "Abbasov"]
GIVEN_F = ["Aysel", "Leyla", "Günel", "Səbinə", "Nərmin", "Könül", "Sevinc", "Nigar", "Aynur", "Lalə"]
GIVEN_M = ["Əli", "Orxan", "Elnur", "Vüqar", "Tural", "Rövşən", "Cavid", "Kamran", "Murad", "Samir"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE = {"Accept": "text/html"}


def totp(key_hex, step=30, digits=6, now=None):
    """RFC 6238 code (SHA-1, 30 s) — what the user's authenticator app shows."""
    counter = int((now or time.time()) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return f"{code:0{digits}d}"


def next_account(persona):
    pool = ACCOUNTS[persona]
    i = _account_turn.get(persona, 0)
    _account_turn[persona] = i + 1
    return pool[i % len(pool)], i


class NicatUser(HttpUser):
    abstract = True
    host = HOSTS[0]
    wait_time = between(float(os.environ.get("NICAT_LOAD_WAIT_MIN", "1")),
                        float(os.environ.get("NICAT_LOAD_WAIT_MAX", "3")))
    persona = ""

    def __init__(self, environment):
        # Each kind of user is split across the servers in turn (API users alternate, page users alternate…).
        self.account, turn = next_account(self.persona)
        self.host = HOSTS[turn % len(HOSTS)]
        super().__init__(environment)
        self.case_uuids = []
        self.pages = 1  # of the case list, from its count

    # -- helpers ---------------------------------------------------------------------------------
    def api(self, method, path, name, body=None, **kw):
        headers = {"Authorization": f"Token {self.account['token']}", "Accept": "application/json"}
        return self.client.request(method, path, json=body, headers=headers, name=name, **kw)

    def remember_cases(self, payload):
        if payload.get("count"):
            self.pages = max(1, -(-payload["count"] // 50))  # PAGE_SIZE 50
        found = [c["uuid"] for c in payload.get("results", [])]
        if found:
            self.case_uuids = (self.case_uuids + found)[-200:]

    def sign_in(self):
        """Password, then the authenticator code — the two steps every member of staff goes through."""
        page = self.client.get("/login/", name="page GET /login/", headers=PAGE)
        token = CSRF.search(page.text).group(1)
        step = self.client.post("/login/?next=/", name="page POST /login/ (password)", headers=PAGE, data={
            "csrfmiddlewaretoken": token, "username": self.account["username"],
            "password": self.account["password"], "next": "/"})
        if "/2fa/" not in step.url:
            raise RuntimeError(f"sign-in of {self.account['username']} did not reach the code step: {step.url}")
        token = CSRF.search(step.text).group(1)
        last = self.account.get("last_code")
        code = totp(self.account["totp_key"])
        while code == last:  # a code is accepted once: wait for the next one (several users, one account)
            time.sleep(2)
            code = totp(self.account["totp_key"])
        self.account["last_code"] = code
        verify = urlsplit(step.url)
        done = self.client.post(f"{verify.path}?{verify.query}", name="page POST /account/2fa/verify/", headers=PAGE,
                                data={"csrfmiddlewaretoken": token, "code": code})
        if done.url.rstrip("/").endswith("/2fa/verify") or "/2fa/" in done.url:
            raise RuntimeError(f"the code of {self.account['username']} was refused")

    def load_cases(self, path="/cases/"):
        with self.api("GET", "/api/v1/cases/?page_size=100", "API GET /api/v1/cases/ (list)",
                      catch_response=True) as r:
            if r.status_code == 200:
                self.remember_cases(r.json())
                r.success()


# -- case workers through the API -----------------------------------------------------------------
class ApiCaseWorker(NicatUser):
    weight = 20
    persona = "api_case_worker"

    def on_start(self):
        self.load_cases()
        self.mine = []  # cases this user opened (and may refer)

    @task(6)
    def read_case(self):
        if self.case_uuids:
            self.api("GET", f"/api/v1/cases/{random.choice(self.case_uuids)}/", "API GET /api/v1/cases/<uuid>/")

    @task(3)
    def list_cases(self):
        page = random.randint(1, min(3, self.pages))  # only pages that exist: a 404 would be a failure
        with self.api("GET", f"/api/v1/cases/?page={page}", "API GET /api/v1/cases/ (list)",
                      catch_response=True) as r:
            if r.ok:
                self.remember_cases(r.json())

    @task(4)
    def search(self):
        # the name in the body, never in the address (GET with ?q= answers 400)
        self.api("POST", "/api/v1/persons/search/", "API POST /api/v1/persons/search/", body={"q": random.choice(NAMES)})

    @task(3)
    def intake(self):
        female = random.random() < 0.7
        body = {"person": {"given_name": random.choice(GIVEN_F if female else GIVEN_M),
                           "family_name": random.choice(NAMES[:8]) + ("a" if female else ""),
                           "birth_date": f"{random.randint(1970, 2006)}-{random.randint(1, 12):02d}-"
                                         f"{random.randint(1, 28):02d}",
                           "phone": f"+99450{random.randint(1000000, 9999999)}"},
                "came_to_notice": random.choice(["hotline", "police_operation", "self_referral", "ngo"]),
                "scope": random.choice(["internal", "transnational"]),
                "summary": f"Load test intake {uuid.uuid4().hex[:8]}."}
        with self.api("POST", "/api/v1/cases/", "API POST /api/v1/cases/ (intake)", body=body,
                      catch_response=True) as r:
            if r.status_code == 201:
                self.mine.append(r.json()["uuid"])
                self.case_uuids.append(r.json()["uuid"])
            else:
                r.failure(f"{r.status_code}: {r.text[:300]}")

    @task(1)
    def refer(self):
        if not self.mine:
            return
        case = self.mine.pop(0)
        shelter = ACCOUNTS["shelter"]
        given = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
        with self.api("POST", "/api/v1/consents/", "API POST /api/v1/consents/", catch_response=True, body={
                "case": case, "purpose": "referral", "decision": "given", "method": "written",
                "given_at": given, "institution": shelter}) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:300]}")
                return
        with self.api("POST", "/api/v1/referrals/", "API POST /api/v1/referrals/", catch_response=True, body={
                "case": case, "to_institution": shelter, "purpose": "referral", "urgency": "urgent",
                "service": "shelter", "message": "A bed is needed.", "shared_sections": ["identity"]}) as r:
            if r.status_code != 201:
                r.failure(f"{r.status_code}: {r.text[:300]}")

    @task(2)
    def outgoing(self):
        self.api("GET", "/api/v1/referrals/?box=outgoing", "API GET /api/v1/referrals/")


# -- case workers through the pages ----------------------------------------------------------------
class PageCaseWorker(NicatUser):
    weight = 18
    persona = "page_case_worker"

    def on_start(self):
        self.sign_in()
        self.load_cases()

    def page(self, path, name):
        return self.client.get(path, name=name, headers=PAGE)

    @task(3)
    def dashboard(self):
        self.page("/", "page GET / (dashboard)")

    @task(2)
    def case_list(self):
        self.page("/cases/", "page GET /cases/")

    @task(5)
    def case_page(self):
        if self.case_uuids:
            self.page(f"/cases/{random.choice(self.case_uuids)}/", "page GET /cases/<uuid>/")

    @task(3)
    def search(self):
        """The search form, then the search itself: a POST, so that the name stays out of addresses and logs (a
        `GET /persons/?q=` is refused with 400, docs/matching.md)."""
        form = self.page("/persons/", "page GET /persons/ (search form)")
        found = CSRF.search(form.text)
        if found:
            self.client.post("/persons/", name="page POST /persons/ (search)", headers=PAGE,
                             data={"csrfmiddlewaretoken": found.group(1), "q": random.choice(NAMES)})

    @task(2)
    def referrals(self):
        self.page("/referrals/", "page GET /referrals/")

    @task(1)
    def notifications(self):
        self.page("/referrals/notifications/", "page GET /referrals/notifications/")


# -- the shelter answering referrals (API) ----------------------------------------------------------
class ShelterApi(NicatUser):
    weight = 5
    persona = "shelter_api"
    _index = itertools.count()

    def on_start(self):
        self.me = next(ShelterApi._index)
        self.accepted = []

    @task(3)
    def incoming(self):
        with self.api("GET", "/api/v1/referrals/?box=incoming&status=pending", "API GET /api/v1/referrals/",
                      catch_response=True) as r:
            if not r.ok:
                return
            pending = [x for x in r.json().get("results", []) if x["status"] == "pending"]
        n = max(1, int(os.environ.get("NICAT_LOAD_SHELTER_USERS", "1")))
        mine = [x for x in pending if uuid.UUID(x["uuid"]).int % n == self.me % n]  # each referral has one answerer
        for referral in mine[:2]:
            with self.api("POST", f"/api/v1/referrals/{referral['uuid']}/accept/",
                          "API POST /api/v1/referrals/<uuid>/accept/", catch_response=True,
                          body={"version": referral["version"], "text": "We have a bed."}) as a:
                if a.status_code == 200:
                    self.accepted.append(referral["case"])
                else:
                    a.failure(f"{a.status_code}: {a.text[:300]}")

    @task(2)
    def read_case(self):
        if self.accepted:
            self.api("GET", f"/api/v1/cases/{random.choice(self.accepted[-50:])}/", "API GET /api/v1/cases/<uuid>/")
        else:
            self.load_cases()


# -- analysts and supervisors (pages) -------------------------------------------------------------
class AnalystPage(NicatUser):
    weight = 3
    persona = "analyst_page"

    def on_start(self):
        self.sign_in()

    @task(3)
    def statistics(self):
        self.client.get("/statistics/", name="page GET /statistics/", headers=PAGE)

    @task(1)
    def calls(self):
        self.client.get("/statistics/calls/", name="page GET /statistics/calls/", headers=PAGE)

    @task(1)
    def dashboard(self):
        self.client.get("/", name="page GET / (dashboard)", headers=PAGE)


class SupervisorPage(NicatUser):
    weight = 4
    persona = "supervisor_page"

    def on_start(self):
        self.sign_in()

    @task(3)
    def dashboard(self):
        self.client.get("/", name="page GET / (dashboard)", headers=PAGE)

    @task(2)
    def case_list(self):
        self.client.get("/cases/", name="page GET /cases/", headers=PAGE)

    @task(2)
    def my_work(self):
        self.client.get("/work/", name="page GET /work/", headers=PAGE)

    @task(1)
    def referrals(self):
        self.client.get("/referrals/", name="page GET /referrals/", headers=PAGE)


# -- results ----------------------------------------------------------------------------------------
@events.quitting.add_listener
def write_result(environment, **kw):
    path = os.environ.get("NICAT_LOAD_RESULT")
    if not path:
        return
    stats = environment.stats
    routes = []
    for (name, method), e in sorted(stats.entries.items()):
        if not e.num_requests and not e.num_failures:
            continue
        routes.append({
            "route": name, "method": method, "requests": e.num_requests, "failures": e.num_failures,
            "p50_ms": e.get_response_time_percentile(0.5), "p95_ms": e.get_response_time_percentile(0.95),
            "p99_ms": e.get_response_time_percentile(0.99), "max_ms": round(e.max_response_time or 0, 1),
            "mean_ms": round(e.avg_response_time, 1), "rps": round(e.total_rps, 2)})
    total = stats.total
    errors = [{"route": e.name, "method": e.method, "error": str(e.error)[:500], "occurrences": e.occurrences}
              for e in stats.errors.values()]
    result = {"routes": routes, "errors": errors, "total": {
        "requests": total.num_requests, "failures": total.num_failures, "rps": round(total.total_rps, 2),
        "p50_ms": total.get_response_time_percentile(0.5), "p95_ms": total.get_response_time_percentile(0.95),
        "max_ms": round(total.max_response_time or 0, 1),
        "duration_s": round((total.last_request_timestamp or 0) - (total.start_time or 0), 1)}}
    with open(path, "w") as fh:
        json.dump(result, fh, indent=2)
