"""`nicat demo [--seed N] [--cases N] [--if-empty]`: the demo world (see nicat/web/demo.py)."""
import collections
import os
import secrets
import time

from django.core.management.base import BaseCommand

from nicat.web import demo

PASSWORD_NOTE = "(as printed when generated, or NICAT_DEMO_PASSWORD)"


class Command(BaseCommand):
    help = ("Build the demo world: institutions, demo sign-ins and synthetic cases, reproducible for a seed. "
            "Password of new demo users: NICAT_DEMO_PASSWORD, else a generated one (printed).")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                            help=f"random seed (default {demo.DEFAULT_SEED})")
        parser.add_argument("--cases", type=int, default=demo.DEFAULT_CASES,
                            help=f"number of synthetic cases to add (default {demo.DEFAULT_CASES})")
        parser.add_argument("--if-empty", action="store_true",
                            help="do nothing (but list the sign-ins) when any institution exists")

    def handle(self, *args, seed, cases, if_empty, **options):
        if if_empty and demo.world_present():
            self.stdout.write("demo world already present")
            self._table([(*row, PASSWORD_NOTE) for row in demo.sign_ins()])
            self.first_steps()
            return
        password = os.environ.get("NICAT_DEMO_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        started = time.monotonic()
        result = demo.build_world(seed=seed, cases=cases, password=password)
        elapsed = time.monotonic() - started

        created = result["cases"]
        self.stdout.write(
            f"Demo world (seed {seed}, dated from today {result['plan']['time_base']:%Y-%m-%d}, Asia/Baku) built in "
            f"{elapsed:.1f} s: "
            f"{result['institutions_created']} institutions and {len(result['users_created'])} users created, "
            f"{len(created)} cases added.")
        if created:
            owners = collections.Counter(c.owner_institution.code for c in created)
            trafficking = collections.Counter(c.trafficking_status for c in created)
            status = collections.Counter(c.status for c in created)
            refs = sorted(c.reference for c in created)
            self.stdout.write(f"  references {refs[0]} … {refs[-1]}")
            self.stdout.write("  owners: " + ", ".join(f"{k} {v}" for k, v in sorted(owners.items())))
            self.stdout.write("  trafficking status: " + ", ".join(f"{k} {v}" for k, v in sorted(trafficking.items())))
            self.stdout.write("  case status: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
        for name, summary in (result.get("extras") or {}).items():
            self.stdout.write(f"  {name}: {summary}")
        new = set(result["users_created"])
        shown = password if generated else "NICAT_DEMO_PASSWORD"
        rows = [(*row, shown if row[0] in new else "(unchanged)") for row in demo.sign_ins()]
        self._table(rows)
        if generated and new:
            self.stdout.write(f"Password of the new demo users: {password}  (set NICAT_DEMO_PASSWORD to choose it)")
        self.first_steps()

    def first_steps(self):
        port = os.environ.get("PORT") or "8000"
        self.stdout.write("")
        self.stdout.write("What to do first:")
        self.stdout.write(f"  1. Open http://127.0.0.1:{port}/ and sign in, e.g. as shelter.manager (the shelter's "
                          "residents), ngo.worker (an NGO's cases), police.officer or supervisor (Main Department), "
                          "consul.officer or hotline.operator.")
        self.stdout.write("  2. The second sign-in step asks for a one-time code from an authenticator app. Without a "
                          "phone, in development mode:  NICAT_DEV=1 nicat otp USERNAME  (e.g. .venv/bin/nicat otp "
                          "shelter.manager) prints the current code.")
        self.stdout.write("  3. Start on the dashboard: deadlines due today and this week, referrals waiting for an "
                          "answer; the shelter's page lists its residents.")

    def _table(self, rows):
        header = ("username", "role", "institution", "password")
        rows = [header, *rows]
        widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
        for n, row in enumerate(rows):
            self.stdout.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
