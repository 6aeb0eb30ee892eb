"""`nicat serve`: the production server — gunicorn with WhiteNoise serving the static files."""
import gc
import os
import socket

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from nicat.web.started import STARTED


def _refuse_a_taken_port(host, port):
    """The workers bind with SO_REUSEPORT (below), which would let a second server of the same user share the
    port silently, half the requests going to each. A plain bind (SO_REUSEADDR only, so connections of a
    server just stopped do not count) fails while any server listens there."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            probe.listen()
    except OSError as exc:
        raise CommandError(f"Cannot listen on {host}:{port} ({exc.strerror or exc}): is another server running "
                           "there? Stop it, or choose another --port.") from exc


def _count(name):
    def parse(text):
        try:
            value = int(str(text).strip())
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"{name} must be a whole number of 1 or more, not {text!r}.")
        return value

    parse.__name__ = name  # argparse names the option in its message: "invalid --threads value: 'x'"
    return parse


# (processes, threads per process) when neither WEB_CONCURRENCY and WEB_THREADS nor the options say otherwise.
DEFAULT_SHAPE = {"SQLite": (3, 1), "PostgreSQL": (2, 2)}


def _server_shape(workers=None, threads=None):
    """(processes, threads per process): the options given, else WEB_CONCURRENCY and WEB_THREADS when set, else
    the shape measured best for the database (docs/decisions/0013-server-shape.md). On SQLite the database runs
    inside the process: a thread waits for nothing but the interpreter's lock, and four threads of a process
    handing it to one another at every SQLite call cost the audited case read a tenth of its CPU; processes of
    one thread each do not. On PostgreSQL a thread waits for the server at every statement and a second thread
    works meanwhile; with four, the hand-overs cost more than the waits they fill."""
    sqlite = settings.DATABASES["default"]["ENGINE"] == "nicat.core.sqlite"
    defaults = DEFAULT_SHAPE["SQLite" if sqlite else "PostgreSQL"]
    shape = []
    for given, name, default in ((workers, "WEB_CONCURRENCY", defaults[0]), (threads, "WEB_THREADS", defaults[1])):
        text = os.environ.get(name, "").strip()
        if given is None and text:
            try:
                given = _count(name)(text)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        shape.append(default if given is None else given)
    return tuple(shape)


def _load_before_fork():
    """Load in the master what each worker would otherwise load at its first requests: every view module and
    the URL patterns (the reverse map of each language) and the three translation catalogs — about 95,000
    objects. Loaded once, they are shared with the workers and frozen with the rest (pre_fork below). Nothing
    here opens a database connection; one opened by mistake is closed before any fork, since a connection
    inherited by two processes would mix their conversations."""
    from django.db import connections
    from django.urls import reverse
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reverse("healthz")
    connections.close_all()


class Command(BaseCommand):
    help = ("Serve Nicat with gunicorn (PORT, default 8000; HOST, default 127.0.0.1; WEB_CONCURRENCY processes of "
            "WEB_THREADS threads each).")

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        for i, (option, variable, what) in enumerate((("--workers", "WEB_CONCURRENCY", "worker processes"),
                                                      ("--threads", "WEB_THREADS", "threads per worker process"))):
            usual = ", ".join(f"{shape[i]} on {db}" for db, shape in DEFAULT_SHAPE.items())
            parser.add_argument(option, type=_count(option), help=f"{what} (default {variable}, else {usual})")

    def handle(self, *args, **options):
        from gunicorn.app.base import BaseApplication

        workers, threads = _server_shape(options["workers"], options["threads"])
        _refuse_a_taken_port(options["host"], options["port"])

        # Collect first: WhiteNoise indexes STATIC_ROOT when the application loads.
        call_command("collectstatic", interactive=False, verbosity=0)
        # Metrics of every gunicorn process, merged at /metrics (prometheus-client multiprocess mode);
        # emptied at each start, as that mode requires.
        import shutil
        from pathlib import Path

        metrics_dir = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(settings.VAR_DIR) / "metrics")))
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True, mode=0o700, exist_ok=True)

        from nicat.wsgi import application

        _load_before_fork()

        class NicatServer(BaseApplication):
            def load_config(self):
                self.cfg.set("bind", f"{options['host']}:{options['port']}")
                self.cfg.set("workers", workers)
                self.cfg.set("threads", threads)
                # Threaded workers even with one thread: gunicorn would otherwise take its "sync" worker, which
                # closes every connection after its answer (no keep-alive, below, for the proxy or a client).
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("timeout", 60)
                # Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
                # connections over them. With one shared socket the worker that woke first took them: under
                # a burst every kept-alive connection (wrk's sixteen, or a proxy's upstream pool) could sit
                # on one of the two workers for good, and the server ran at half its capacity (the case read:
                # 245-275 reads/s instead of 600, docs/performance.md). A second server on the same port is
                # refused above, as it was by the shared socket.
                self.cfg.set("reuse_port", True)
                # An idle kept-alive connection stays open longer than the proxy in front keeps it (nginx's
                # upstream keepalive_timeout is 60 s): with gunicorn's 2 s default the server closed
                # connections the proxy (or a client) was just reusing, and under load that race answered
                # resets — 502s behind nginx (bench/load.py, docs/performance.md).
                self.cfg.set("keepalive", int(os.environ.get("NICAT_KEEPALIVE_SECONDS", "75")))
                # Access log without query strings: paths carry UUIDs only, never names.
                self.cfg.set("accesslog", "-")
                # gunicorn's control socket in this server's var directory: by default every server of
                # the user shares ~/.gunicorn/gunicorn.ctl, and a second server on the machine took it over.
                self.cfg.set("control_socket", str(Path(settings.VAR_DIR) / "gunicorn.ctl"))
                self.cfg.set("access_log_format", '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss')
                self.cfg.set("pre_fork", pre_fork)
                self.cfg.set("post_worker_init", post_worker_init)
                self.cfg.set("child_exit", child_exit)

            def load(self):
                return application

        def pre_fork(server, worker):
            # The application is loaded here, in the master: its ~200,000 objects (modules, models, URL patterns,
            # translations) live as long as the process. Frozen before the fork, the workers' garbage collector
            # no longer walks them — each full collection did, pausing every thread of the worker for 20-30 ms —
            # and, untouched, their memory stays shared with the master (copy-on-write). Python's documented use
            # of gc.freeze(); docs/performance.md, "The garbage collector".
            gc.freeze()

        def post_worker_init(worker):
            # Development (NICAT_TASKS_BACKEND=immediate): no `nicat worker`; the periodic jobs run in a thread
            # of each serving process (the unique (job, period) row lets one of them through). Never in the
            # master: a thread there could hold a lock (the person-key cache's, SQLite's, logging's) at the
            # moment gunicorn forks a worker, and the worker would inherit it held — its requests hung forever.
            if settings.NICAT_INPROCESS_JOBS:
                from nicat.ops.worker import start_inprocess_scheduler

                start_inprocess_scheduler()

        def child_exit(server, worker):
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)

        self.stdout.write(STARTED.format(host=options["host"], port=options["port"], workers=workers, threads=threads,
                                         s="s" if threads > 1 else "", static=settings.STATIC_ROOT))
        self.stdout.flush()  # before the fork: a buffer left unwritten would be written again by every worker
        NicatServer().run()
