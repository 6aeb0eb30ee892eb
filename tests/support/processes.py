"""Processes of the product (a `nicat serve`, a one-off script) started by a test against the test's own database,
with the test's keys: what another worker of the same server would be."""
import os
import signal
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """DATABASE_URL of the database the test runs on (the SQLite file, or the PostgreSQL test database)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "nicat.core.sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def product_env(var_dir, **extra):
    """The environment of a product process on the test database with the test's secret and keys; `extra` adds
    or overrides settings (NICAT_*)."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "NICAT_DEV": "1",
            "NICAT_VAR_DIR": str(var_dir), "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
            "NICAT_FIELD_KEYS": os.environ["NICAT_FIELD_KEYS"], "NICAT_INDEX_KEY": os.environ["NICAT_INDEX_KEY"],
            "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **{k: str(v) for k, v in extra.items()}}


def stop(proc):
    """End a process started with start_new_session=True and everything it started (gunicorn's workers)."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:  # pragma: no cover
        os.killpg(proc.pid, signal.SIGKILL)
