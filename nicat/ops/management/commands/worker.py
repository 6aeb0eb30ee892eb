"""`nicat worker`: runs queued and periodic jobs (docs/operations.md)."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nicat.core.jobs import periodic_jobs


class Command(BaseCommand):
    help = "Run queued and periodic jobs. Start one per machine (systemd: deploy/nicat-worker.service)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls when idle (2).")
        parser.add_argument("--batch", action="store_true", help="Stop when no job is waiting (for tests and cron).")
        parser.add_argument("--max-tasks", type=int, default=None, help="Stop after this many jobs.")
        parser.add_argument("--worker-id", default="", help="Name of this worker (default host:pid:random).")
        parser.add_argument("--list", action="store_true", help="List the periodic jobs and stop.")

    def handle(self, *args, **options):
        if options["list"]:
            for job in sorted(periodic_jobs().values(), key=lambda j: j.name):
                self.stdout.write(f"{job.name}\tevery {job.every} s\t{job.description}")
            return
        if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
            raise CommandError("NICAT_TASKS_BACKEND is 'immediate': jobs run inside the server process and no "
                               "worker is needed. Set NICAT_TASKS_BACKEND=database to run them in workers.")
        from nicat.ops.worker import make_worker, new_worker_id

        worker_id = options["worker_id"] or new_worker_id()
        if len(worker_id) > 64:
            raise CommandError("A worker id has at most 64 characters.")
        worker = make_worker(worker_id=worker_id, interval=max(0.1, options["interval"]), batch=options["batch"],
                             max_tasks=options["max_tasks"])
        worker.configure_signals()
        self.stdout.write(f"Worker {worker_id}: {len(periodic_jobs())} periodic jobs; Ctrl+C stops it.")
        self.stdout.flush()
        worker.run()
