"""Settings for the test suite: fixed test keys; SQLite by default, PostgreSQL with NICAT_TEST_DB=postgres."""
import base64
import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("NICAT_FIELD_KEYS", base64.urlsafe_b64encode(b"k" * 32).decode())
os.environ.setdefault("NICAT_INDEX_KEY", base64.urlsafe_b64encode(b"i" * 32).decode())
os.environ["NICAT_DEV"] = "1"
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("NICAT_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))
if os.environ.get("NICAT_TEST_DB") == "postgres":
    url = os.environ.get("NICAT_TEST_POSTGRES_URL")
    if not url:
        raise RuntimeError("NICAT_TEST_DB=postgres needs NICAT_TEST_POSTGRES_URL")
    os.environ["DATABASE_URL"] = url
else:
    os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(os.environ["NICAT_VAR_DIR"], "test.sqlite3")

os.environ.pop("DATABASE_REPLICA_URL", None)  # the tests' replica is the mirror below, or one a test starts

from nicat.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses Argon2
ALLOWED_HOSTS = ["*"]
# Tests read messages in English unless they choose a language; the product default (az) is
# tested explicitly (nicat/web/tests/test_languages.py) and by the browser journeys.
LANGUAGE_CODE = "en"
# Most tests sign in with client.login / force_login: two-factor sign-in and the lock-out (whose
# backend needs the request, which client.login does not pass) are off for them. The tests in
# nicat/accounts/tests/ and the browser journeys switch both on and prove them
# (tests.support.world.login / verified_login complete a real second factor).
NICAT_REQUIRE_2FA = False
AXES_ENABLED = False

if DATABASES["default"]["ENGINE"] == "nicat.core.sqlite":  # noqa: F405
    # A file, not memory: the at-rest scan reads it and concurrent-writer tests share it.
    # One file per test process, so that parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["NICAT_VAR_DIR"], f"test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"nicat_test_{os.getpid()}"}  # noqa: F405

# A `replica` alias that is the test database itself (Django's TEST MIRROR), so that the router
# (nicat.core.replica) can be exercised on SQLite. Off unless a test sets NICAT_REPLICA_ALIAS="replica":
# a mirror is a second connection, which does not see a test's uncommitted rows.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
NICAT_REPLICA_ALIAS = None

os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405  (WhiteNoise serves from finders in tests)
