"""Django settings for Nicat.

Configuration comes from the environment (and a `.env` file in the project root).
Production is the default: SECRET_KEY, ALLOWED_HOSTS, NICAT_FIELD_KEYS and NICAT_INDEX_KEY
must be set. `NICAT_DEV=1` (set by `make run`) is the development mode: missing secrets are
generated once into `var/dev.env` and kept there, so a restart reads the same data.
"""
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from nicat.core.files import private_sqlite, private_var
from nicat.devsecrets import ensure_dev_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("NICAT_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

NICAT_DEV = env.bool("NICAT_DEV", default=False)
# var/ holds the SQLite database, its WAL and development keys: 0700, files 0600 (nicat/core/files.py).
private_var(VAR_DIR)
if NICAT_DEV:
    ensure_dev_secrets(VAR_DIR / "dev.env")

DEBUG = env.bool("DEBUG", default=False)


def _required(name):
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment or in .env (see README, Configuration)."
        )
    return value


SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if NICAT_DEV else [])

# Keys of the field encryption (newest first) and of the blind indexes. Never derived from SECRET_KEY.
NICAT_FIELD_KEYS = [k.strip() for k in _required("NICAT_FIELD_KEYS").split(",") if k.strip()]
NICAT_INDEX_KEY = _required("NICAT_INDEX_KEY")
# Key ids of destroyed person data keys (crypto-shredding), kept outside the database backups: after a
# restore, `nicat retention reapply` destroys them again (nicat.privacy.personkeys, docs/operations.md).
NICAT_ERASURE_LEDGER = env.str("NICAT_ERASURE_LEDGER", default=str(VAR_DIR / "erased-person-keys.txt"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Sign-in hardening: lock-out after repeated failures, TOTP two-factor with recovery codes, CSP.
    "nicat.web.apps.AxesConfig",  # django-axes, named in the reader's language
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "nicat.core",
    "nicat.vocab",
    "nicat.accounts",
    "nicat.directory",
    "nicat.privacy",
    "nicat.access",
    "nicat.audit",
    "nicat.legal",
    "nicat.persons",
    "nicat.cases",
    "nicat.identification",
    "nicat.consent",
    "nicat.referrals",
    "nicat.safety",
    "nicat.proceedings",
    "nicat.assistance",
    "nicat.work",
    "nicat.retention",
    "nicat.statistics",
    "nicat.exchange",
    "nicat.public",
    "nicat.hotline",
    "nicat.web",
    "nicat.api",
    "nicat.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "nicat.accounts.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nicat.web.middleware.RequestIdMiddleware",
    # After the request id: times every request by route name for /metrics and writes the request log line.
    "nicat.ops.middleware.RequestMetricsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before any view reads the request (and in the user's language): a NUL character is refused with a 400.
    "nicat.web.middleware.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "nicat.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "nicat.web.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nicat.urls"
WSGI_APPLICATION = "nicat.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "nicat.web.context.nicat",
                "nicat.web.context.language",
            ],
            # `{% submission_token %}` in every form that creates a record (nicat.core.submissions).
            "builtins": ["nicat.core.templatetags.nicat_submission"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nicat.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the start
    # of every transaction, so that read-modify-write sequences (case references, the audit
    # chain) never interleave between processes. nicat.core.sqlite is Django's backend whose writers take
    # their turn before BEGIN IMMEDIATE instead of sleeping in SQLite's busy handler (decision 0011).
    DATABASES["default"]["ENGINE"] = "nicat.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    private_sqlite(DATABASES["default"]["NAME"])  # created 0600 before SQLite opens it; its WAL inherits the mode
DATABASES["default"]["ATOMIC_REQUESTS"] = False


def postgres_without_jit(db):
    """PostgreSQL's JIT compiler is for long analytical queries: on Nicat's short ones it spent seconds
    compiling what runs in milliseconds, whenever the planner's estimate crossed jit_above_cost (4 s of a
    10 s person search at 1,000,000 persons; docs/performance.md). Off for every connection Nicat opens."""
    if db.get("ENGINE", "").startswith("django.db.backends.postgresql"):
        options = db.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
    return db


def persistent(db):
    """A database connection is kept for 60 s between requests unless DATABASE_URL says otherwise
    (`?conn_max_age=0` closes it after each request, Django's default). Opening one on every request
    cost more than the audited case read itself: on PostgreSQL a TCP connect, authentication and a new
    server process; on SQLite opening the file, its pragmas and the functions Nicat registers. With a
    connection per request `/healthz` served 273 (PostgreSQL) and 545 (SQLite) requests/s on the
    benchmark machine, with kept connections 1,606 and 2,095; the case read 62 → 187 and 176 → 268
    (docs/performance.md). CONN_HEALTH_CHECKS (below) makes a kept connection that the server closed
    (a restart) reconnect at the next request instead of failing it."""
    db.setdefault("CONN_MAX_AGE", 60)
    return db


postgres_without_jit(DATABASES["default"])
persistent(DATABASES["default"])
# A connection kept between requests (CONN_MAX_AGE in DATABASE_URL) is checked before it is reused, so
# that after a database restart the next request reconnects instead of failing on a dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL parses and plans the hot reads of every request (the token, the memberships, the case, its
# terms) and the audit append once per connection instead of at each request (nicat.core.prepared.cursor);
# 0 for a connection pooler that cannot keep prepared statements (PgBouncer before 1.21, transaction mode).
NICAT_DB_PREPARE = env.bool("NICAT_DB_PREPARE", default=True)
# A PostgreSQL read replica (streaming, hot standby) for statistics and exports (nicat.core.replica);
# unset: everything reads the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
NICAT_REPLICA_ALIAS = None
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    postgres_without_jit(DATABASES["replica"])
    persistent(DATABASES["replica"])
    NICAT_REPLICA_ALIAS = "replica"
DATABASE_ROUTERS = ["nicat.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Passwords and sessions -----------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Django's database sessions, whose expiry an unchanged session renews at most once a minute
# (nicat/accounts/sessions.py): 29 to 30 minutes of idleness end a session
SESSION_ENGINE = "nicat.accounts.sessions"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not NICAT_DEV
CSRF_COOKIE_SECURE = not NICAT_DEV
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not NICAT_DEV:
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_NAME = "__Host-nicat_session"
    CSRF_COOKIE_NAME = "__Host-nicat_csrf"

# --- Two-factor sign-in (django-otp): TOTP for every staff account, recovery codes --------------
# Every account signs in with a password and a one-time code. Switched off only by the test
# settings for the bulk of tests; dedicated tests prove the enforcement with it on.
NICAT_REQUIRE_2FA = env.bool("NICAT_REQUIRE_2FA", default=True)
NICAT_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env.str("NICAT_TOTP_ISSUER", default="Nicat")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Lock-out after repeated failures (django-axes) ----------------------------------------------
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = env.float("NICAT_LOCKOUT_HOURS", default=0.5)  # hours; an administrator can unlock earlier
# An account is locked after 5 failures in a row, wherever they come from, and so is an address
# after 5 failures in a row on any accounts (a success from it resets its count, so an office
# behind one address is not locked by a colleague's typos unless they are consecutive).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "nicat.accounts.views.locked_out"
AXES_VERBOSE = False  # axes would log the typed user name, which may be a mistyped password
AXES_SENSITIVE_PARAMETERS = ["username", "password", "token", "code"]  # masked in stored request data
AXES_CLIENT_IP_CALLABLE = "nicat.accounts.signals.client_ip"
AXES_CLIENT_STR_CALLABLE = "nicat.accounts.signals.client_str"
AXES_USERNAME_CALLABLE = "nicat.accounts.signals.axes_username"  # unknown names stored as fingerprints only  # log lines name the address, never the typed name
# Behind N reverse proxies that append to X-Forwarded-For, the client is the N-th address from the end.
NICAT_TRUSTED_PROXIES = env.int("NICAT_TRUSTED_PROXIES", default=0)

# --- Content-Security-Policy (django-csp 4): no inline script or style anywhere ----------------
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [NONE],
    },
}

# --- Need-to-know: break-glass openings expire; uploads are limited and encrypted ---------------
NICAT_BREAK_GLASS_HOURS = env.float("NICAT_BREAK_GLASS_HOURS", default=4)
NICAT_UPLOAD_MAX_BYTES = env.int("NICAT_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
NICAT_HTCDS_IMPORT_MAX_BYTES = 50 * 1024 * 1024  # an HTCDS file imported through the API (larger: `nicat htcds`)
# An uploaded file is held in memory, never written to a plain temporary file (nicat.core.uploads.HeldInMemory):
# up to one byte more than the largest file accepted anywhere, so a larger one is refused by its own check.
NICAT_UPLOAD_HOLD_BYTES = max(NICAT_UPLOAD_MAX_BYTES, NICAT_HTCDS_IMPORT_MAX_BYTES) + 1
FILE_UPLOAD_HANDLERS = ["nicat.core.uploads.HeldInMemory"]
# --- Bad input: one set of limits for pages and API (nicat/core/validators.py, nicat/api/parsers.py) --
# A request body (uploaded files in a form excepted) larger than this is refused: a page with 400, the
# API with 413. Room for one base64 upload in an API body; each text has its own limit below.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("NICAT_MAX_BODY_BYTES", default=NICAT_UPLOAD_MAX_BYTES * 4 // 3 + 1024 * 1024)
NICAT_API_MAX_BODY_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
NICAT_API_MAX_DEPTH = 20  # levels of nested JSON objects and lists
NICAT_TEXT_MAX_CHARS = env.int("NICAT_TEXT_MAX_CHARS", default=20000)  # any one free text
NICAT_MAX_YEARS_AHEAD = 20  # the latest plausible date is today + this; the earliest is 1 January 1900
# The public site's quick-exit button leaves for this neutral page (docs/public-site.md).
NICAT_PUBLIC_EXIT_URL = env.str("NICAT_PUBLIC_EXIT_URL", default="https://www.google.com/")
NICAT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "az"
LANGUAGES = [("az", "Azərbaycanca"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [Path(env.str("NICAT_LOCALE_DIR", default=str(BASE_DIR / "nicat" / "locale")))]
LANGUAGE_COOKIE_NAME = "nicat_language"
TIME_ZONE = "Asia/Baku"
USE_I18N = True
USE_TZ = True
# One date format per language, set here and nowhere else (docs/pages.md): English short dates are ISO.
FORMAT_MODULE_PATH = ["nicat.web.formats"]

# --- Static files (vendored Bootstrap and HTMX; served by WhiteNoise) -------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "nicat.accounts.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: no browsable API (DRF's own HTML page of a record, outside Nicat's templates and languages, with
    # a form prefilled with the whole record). People use the pages and /api/v1/docs/ (nicat/api/tests/test_json_only.py).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "nicat.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "nicat.api.schema.NicatAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "nicat.api.errors.exception_handler",
    # JSON bodies: at most NICAT_API_MAX_BODY_BYTES (413) and NICAT_API_MAX_DEPTH levels deep (400).
    "DEFAULT_PARSER_CLASSES": [
        "nicat.api.parsers.JSONParser",
        "nicat.api.parsers.FormParser",
        "nicat.api.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Nicat API",
    "DESCRIPTION": "Case management and national referral for victims of human trafficking.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The Idempotency-Key header as one reusable parameter of every POST (nicat.core.submissions).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "nicat.api.schema.idempotency_key_component"],
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the case sections a referral (or a legal basis) shares.
    "ENUM_NAME_OVERRIDES": {"CaseSectionEnum": "nicat.access.sections.CHOICES",
                            "SafetyLevelEnum": "nicat.safety.models.Level.choices",
                            "SecurityMeasureKindEnum": "nicat.safety.models.MeasureKind.choices",
                            "ProceedingsStageEnum": "nicat.proceedings.models.Stage",
                            "AppearanceStatusEnum": "nicat.proceedings.models.AppearanceStatus",
                            "AppearanceModeEnum": "nicat.proceedings.models.AppearanceMode",
                            "ReleaseOutcomeEnum": "nicat.proceedings.models.ReleaseOutcome",
                            "DataRequestKindEnum": "nicat.retention.models.RequestKind",
                            "PaymentStatusEnum": "nicat.assistance.models.payments.PaymentStatus"},
}

# --- Logging: never identifying data; request ids tie lines together ------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "nicat.core.context.RequestIdLogFilter"},
                # 4xx (a 403 refusal above all) as one line, without a stack trace.
                "one_line_4xx": {"()": "nicat.core.logfilters.OneLineClientErrors"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["request_id", "one_line_4xx"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's request logger prints the request path only; bodies and POST data never.
        "django.request": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        # django-axes: failures and lock-outs only (their lines never carry the typed user name).
        "axes": {"level": "WARNING"},
    },
}

# --- Audit checkpoints (docs/audit.md): signed every N events, and whenever the oldest unsigned event
# is S seconds old (checked on append; run `nicat audit checkpoint` from cron for quiet hours too).
NICAT_AUDIT_CHECKPOINT_EVERY = env.int("NICAT_AUDIT_CHECKPOINT_EVERY", default=1000)
NICAT_AUDIT_CHECKPOINT_SECONDS = env.int("NICAT_AUDIT_CHECKPOINT_SECONDS", default=300)

NICAT_CASE_REFERENCE_PREFIX = env.str("NICAT_CASE_REFERENCE_PREFIX", default="NCT")
FORM_RENDERER = "nicat.core.forms.NicatFormRenderer"

# Read by the identification certificate (fonts with ə and Cyrillic; Debian's fonts-dejavu-core).
NICAT_PDF_FONT_DIR = env.str("NICAT_PDF_FONT_DIR", default="/usr/share/fonts/truetype/dejavu")
# Notifications: in-app always; e-mail (reference and link only, never identifying data) when an SMTP server
# is configured (EMAIL_HOST), or when NICAT_NOTIFICATION_EMAIL says so. docs/daily-work.md.
EMAIL_HOST = env.str("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_SSL:
    EMAIL_USE_TLS = False  # Django refuses both at once; implicit TLS (port 465) wins when asked for
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="nicat@localhost")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
NICAT_NOTIFICATION_EMAIL = env.bool("NICAT_NOTIFICATION_EMAIL", default=bool(EMAIL_HOST))
NICAT_BASE_URL = env.str("NICAT_BASE_URL", default="")
# "Unusual access" on the supervisor's dashboard: more than N cases opened, not worked on, in H hours.
NICAT_UNUSUAL_WINDOW_HOURS = env.int("NICAT_UNUSUAL_WINDOW_HOURS", default=24)
NICAT_UNUSUAL_CASE_VIEWS = env.int("NICAT_UNUSUAL_CASE_VIEWS", default=15)
# Duplicate checks at intake (POST /api/v1/persons/candidates/ and the intake page) per user and hour: beyond
# it the check answers 429, so that it cannot be used as an oracle ("is X a victim?"). Issue 14, item 5.
NICAT_DUPLICATE_CHECKS_PER_HOUR = env.int("NICAT_DUPLICATE_CHECKS_PER_HOUR", default=200)
NICAT_SCAN_PROCESSES = env.int("NICAT_SCAN_PROCESSES", default=0)  # the duplicate scan compares in this many (0: one per CPU)
# Working intervals of rehabilitation and return (docs/assistance.md): operational choices, no law sets them.
# (The figures the law sets, such as the length of a stay or the reflection period, are legal parameters.)
NICAT_PLAN_REVIEW_INTERVAL_DAYS = env.int("NICAT_PLAN_REVIEW_INTERVAL_DAYS", default=90)  # next plan review
NICAT_RESIDENCE_PERMIT_REMINDER_DAYS = env.int("NICAT_RESIDENCE_PERMIT_REMINDER_DAYS", default=30)
NICAT_RETURN_FOLLOW_UP_DAYS = env.int("NICAT_RETURN_FOLLOW_UP_DAYS", default=30)  # first follow-up after a return
NICAT_OCCUPANCY_HISTORY_DAYS = env.int("NICAT_OCCUPANCY_HISTORY_DAYS", default=90)  # days in the occupancy chart
NICAT_STAY_REMINDER_DAYS = env.int("NICAT_STAY_REMINDER_DAYS", default=7)  # remind a shelter before a stay ends
# plan reviews, reflection periods ending and return follow-ups on the assistance dashboard, this many days ahead
NICAT_ASSISTANCE_REMINDER_DAYS = env.int("NICAT_ASSISTANCE_REMINDER_DAYS", default=7)

# --- Jobs without cron (nicat/ops, docs/operations.md, docs/decisions/0009-ops-task-queue.md) ---------
# "database": jobs are queued in the database and run by `nicat worker` (production). "immediate": a
# job runs when it is enqueued and the periodic jobs run in a thread of `nicat serve` (development).
NICAT_TASKS_BACKEND = env.str("NICAT_TASKS_BACKEND", default="immediate" if NICAT_DEV else "database")
_TASK_BACKENDS = {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                  "database": "django_tasks_db.DatabaseBackend"}
if NICAT_TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured("NICAT_TASKS_BACKEND is 'database' (workers) or 'immediate' (in process).")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[NICAT_TASKS_BACKEND]}}
NICAT_INPROCESS_JOBS = env.bool("NICAT_INPROCESS_JOBS", default=NICAT_TASKS_BACKEND == "immediate")
NICAT_WORKER_LEASE_SECONDS = env.int("NICAT_WORKER_LEASE_SECONDS", default=60)  # a silent worker's job is retried
NICAT_JOB_MAX_ATTEMPTS = env.int("NICAT_JOB_MAX_ATTEMPTS", default=3)
NICAT_JOB_RESULT_DAYS = env.int("NICAT_JOB_RESULT_DAYS", default=30)

# --- Monitoring: /readyz, /metrics (token), JSON logs ------------------------------------------------
# /metrics answers 404 unless this token is set and sent as `Authorization: Bearer <token>`.
NICAT_METRICS_TOKEN = env.str("NICAT_METRICS_TOKEN", default="")
# /readyz fails when events have waited longer than this for a signed checkpoint (default 3 periods).
NICAT_READY_CHECKPOINT_SECONDS = env.int("NICAT_READY_CHECKPOINT_SECONDS", default=3 * NICAT_AUDIT_CHECKPOINT_SECONDS)
# "json" (one JSON object a line: production) or "plain" (development).
NICAT_LOG_FORMAT = env.str("NICAT_LOG_FORMAT", default="plain" if NICAT_DEV else "json")
LOGGING["formatters"]["json"] = {"()": "nicat.core.logjson.JsonFormatter"}
LOGGING["handlers"]["console"]["formatter"] = "json" if NICAT_LOG_FORMAT == "json" else "plain"

# --- Backups (nicat/ops/backup.py): a key of its own, never a field key ------------------------------
NICAT_BACKUP_KEY = env.str("NICAT_BACKUP_KEY", default="")

# The hotline (docs/hotline.md): an urgent contact's alert to the duty service is escalated to the supervisors
# when nobody acknowledged it within this many minutes (`nicat hotline escalate`, run by the worker or cron).
NICAT_HOTLINE_ESCALATE_MINUTES = env.int("NICAT_HOTLINE_ESCALATE_MINUTES", default=10)
# The public "ask for help" form: at most this many requests per client address and hour (cache-based),
# and none sent faster than this many seconds after the form was shown (a form filled by a script).
NICAT_HOTLINE_HELP_PER_HOUR = env.int("NICAT_HOTLINE_HELP_PER_HOUR", default=5)
NICAT_HOTLINE_HELP_MIN_SECONDS = env.int("NICAT_HOTLINE_HELP_MIN_SECONDS", default=3)
# The public certificate check (/identification/verify/): at most this many checks per client address and hour
# (cache-based); each check is an event of the audit trail.
NICAT_CERTIFICATE_CHECKS_PER_HOUR = env.int("NICAT_CERTIFICATE_CHECKS_PER_HOUR", default=60)
# The state whose referral mechanism this Nicat serves (its code in the "country" vocabulary, ISO 3166-1 alpha-2):
# a person holding its citizenship is its citizen (identification.services.citizenship_status), and an embassy
# or consulate in the directory's region "abroad" is one of its missions (directory.selectors.represented_state).
NICAT_HOME_STATE = env.str("NICAT_HOME_STATE", default="AZ").strip().upper()
# The hotline that receives the form's requests (its directory code); default: the first active hotline.
NICAT_HOTLINE_INSTITUTION = env.str("NICAT_HOTLINE_INSTITUTION", default="")
