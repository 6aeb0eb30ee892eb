"""Post bad input into every form a user can reach, and report any answer of 500 or more (law 8).

    # on a throw-away copy of a demo database: it WRITES whatever the forms accept
    NICAT_DEV=1 DATABASE_URL=sqlite:////tmp/fuzz/db.sqlite3 ... .venv/bin/python tools/fuzz_forms.py [USER ...]

For each demo user (`nicat demo`'s, or those named), signed in with a verified second factor, it follows the links
from the dashboard (at most --pages pages, --per-kind pages of each address shape: ids replaced), and sends each
kind of form it finds — a search or filter form as a GET, each HTMX post with its included form's fields and the
HX-Request header, and the parameters of each address it follows — once empty, then with each visible field in
turn given three values from BAD (a NUL byte, 400 nines, a number beyond 32 bits, an impossible date, 1e309, a
script tag, SQL, 5,000 letters, a nil UUID, a space…), then every field at once, then each hidden field given
"", "x", "-1" and 30 nines (`--methods get` for the GETs only). It runs on SQLite or PostgreSQL (DATABASE_URL).
Sign-out, language, password and token forms are left alone; the administrator's forms change the world the
later users see (a role grant ended), so give them a database of their own. Prints, per user, the pages seen,
the kinds of form sent and the answers by status; every 5xx with the form, the field and the value. Exit status
1 when any answer was 5xx. The run of 5 December 2026 (docs/security.md, "a form fuzzer against every page") took
40 minutes on 2 cores over `nicat demo --cases 120`; those of 6 December, on both databases, are in the section
"6 December 2026".
"""
import argparse
import collections
import os
import random
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LINK = re.compile(r'href="(/[^"#]*)"')
LEFT_ALONE = re.compile(r"^/(static|i18n)/|logout|sign-out|/2fa|password|erase|token")
SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+")
BAD = ("", "\x00", "9" * 400, "3000000000", "2026-13-45", "-1", "1e309", "<script>x</script>", "NaN", "0",
       "'; DROP TABLE x;--", "ş" * 5000, "00000000-0000-0000-0000-000000000000", " ")
BAD_HIDDEN = ("", "x", "-1", "9" * 30)


class Forms(HTMLParser):
    """The forms of a page: action, method, and (name, type, value, checked) of each control; and its HTMX posts:
    (address, the form whose fields go with it — the one `hx-include` names or holds, else the enclosing one)."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None
        self._hx, self._form_of_id = [], {}

    @property
    def htmx(self):
        return [(url, self._form_of_id.get(include.lstrip("#"), enclosing) if include else enclosing)
                for url, include, enclosing in self._hx]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "method": (a.get("method") or "get").lower(), "fields": []}
        if a.get("id") and self._form is not None:
            self._form_of_id[a["id"]] = self._form
        if a.get("hx-post"):
            self._hx.append((a["hx-post"], (a.get("hx-include") or "").strip(), self._form))
        if tag == "form" or self._form is None:
            return
        if tag == "input":
            self._form["fields"].append([a.get("name"), a.get("type", "text"), a.get("value") or "",
                                         "checked" in a])
        elif tag == "select":
            self._select = [a.get("name"), "select", None, False]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None and (self._select[2] is None or "selected" in a):
            self._select[2] = a.get("value", "")
        elif tag == "textarea":
            self._form["fields"].append([a.get("name"), "textarea", "", False])

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def as_posted(form, override):
    """What a browser would send, with `override` put in."""
    data = {}
    for name, kind, value, checked in form["fields"]:
        if not name or kind in ("submit", "button", "file", "image"):
            continue
        if kind in ("checkbox", "radio") and not checked:
            if kind == "radio":
                data.setdefault(name, value)
            continue
        data[name] = value or ""
    return {**data, **override}


def attempts(form, rnd):
    visible = [f[0] for f in form["fields"] if f[0] and f[1] not in ("submit", "button", "hidden", "file")]
    hidden = [f[0] for f in form["fields"] if f[0] and f[1] == "hidden" and f[0] != "csrfmiddlewaretoken"]
    yield {}
    for name in visible:
        for value in rnd.sample(BAD, 3):
            yield {name: value}
    yield {name: rnd.choice(BAD) for name in visible}
    for name in hidden:
        for value in BAD_HIDDEN:
            yield {name: value}


def fuzz(client, pages, per_kind, rnd, report, methods=("get", "post")):
    seen, queue, kinds, posted = set(), collections.deque(["/"]), collections.Counter(), set()
    answers = collections.Counter()
    while queue and len(seen) < pages:
        url = queue.popleft()
        if url in seen or LEFT_ALONE.search(url):
            continue
        kind = SHAPE.sub("N", url.split("?")[0])
        kinds[kind] += 1
        if kinds[kind] > per_kind:
            continue
        seen.add(url)
        response = client.get(url)
        answers[response.status_code] += 1
        if response.status_code >= 500:
            report("GET", url, {})
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        body = response.content.decode("utf-8", "replace")
        queue.extend(link.replace("&amp;", "&") for link in LINK.findall(body))
        if "get" in methods and "?" in url and ("query " + kind) not in posted:  # the address's own parameters
            posted.add("query " + kind)
            path, query = url.split("?", 1)
            params = dict(parse_qsl(query, keep_blank_values=True))
            for name in params:
                for value in rnd.sample(BAD, 3):
                    answer = client.get(path, {**params, name: value})
                    answers[answer.status_code] += 1
                    if answer.status_code >= 500:
                        report("GET", url, {name: value})
        parser = Forms()
        parser.feed(body)
        targets = [((form["action"] or url), form, {}, form["method"]) for form in parser.forms]  # GET ones too
        # HTMX posts (the intake's duplicate check, the screening's live recommendation …) as the browser sends
        # them: the included form's fields, with the HX-Request header.
        targets += [(hx_url, form or {"fields": []}, {"HX-Request": "true"}, "post") for hx_url, form in parser.htmx]
        for action, form, headers, method in targets:
            action = action.replace("&amp;", "&")
            kind = method + " " + SHAPE.sub("N", action.split("?")[0]) + (" (htmx)" if headers else "")
            if LEFT_ALONE.search(action) or kind in posted or method not in methods:
                continue
            posted.add(kind)
            send = client.get if method == "get" else client.post
            for override in attempts(form, rnd):
                answer = send(action.split("?")[0] if method == "get" else action, as_posted(form, override),
                              headers=headers)
                answers[answer.status_code] += 1
                if answer.status_code >= 500:
                    report(method.upper(), action, override)
    return len(seen), len(posted), dict(answers)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("users", nargs="*", help="user names (default: every demo user)")
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--per-kind", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--methods", default="get,post", help="which forms: get (search and filter forms), post")
    args = parser.parse_args()
    if os.environ.get("NICAT_DEV") != "1":
        sys.exit("Run this only in development mode (NICAT_DEV=1), on a copy of a demo database: it writes.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nicat.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from nicat.web.demo import USERS
    from tests.support.world import verified_login

    failures = []
    for username in args.users or [row[0] for row in USERS]:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            print(f"{username}: no such active user", flush=True)
            continue
        client = verified_login(Client(HTTP_HOST="localhost", raise_request_exception=False), user)

        def report(method, url, override, username=username):
            shown = {k: v[:20] for k, v in override.items()}
            failures.append((username, method, url, shown))
            print(f"5xx: {username} {method} {url} {shown}", flush=True)

        pages, forms, answers = fuzz(client, args.pages, args.per_kind, random.Random(args.seed), report,
                                     methods=args.methods.split(","))
        print(f"{username}: {pages} pages, {forms} kinds of form, answers {answers}", flush=True)
    print(f"{len(failures)} answers of 500 or more")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
