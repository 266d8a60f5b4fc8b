"""Settings shared by every environment; the defaults give the embedded (SQLite) setup.

Every value that differs between deployments is read through :mod:`kewei.env`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from kewei import env
from kewei.core.logging import logging_config

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("KEWEI_VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Development-only secrets. Production settings refuse to start with these.
INSECURE_SECRET_KEY = "django-insecure-kewei-development-key-never-use-in-production"  # noqa: S105
INSECURE_FIELD_KEY = "a2V3ZWktZGV2ZWxvcG1lbnQtZmllbGQta2V5LTAwMDE="
INSECURE_BLIND_INDEX_KEY = "a2V3ZWktZGV2ZWxvcG1lbnQtYmxpbmQtaW5kZXgta2V5"

SECRET_KEY = env.string("KEWEI_SECRET_KEY", INSECURE_SECRET_KEY)
DEBUG = env.boolean("KEWEI_DEBUG", False)
ALLOWED_HOSTS = env.str_list("KEWEI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.str_list("KEWEI_CSRF_TRUSTED_ORIGINS", [])
# A stale form answers a Kewei page (Chinese first, the way back), not Django's own.
CSRF_FAILURE_VIEW = "kewei.core.errors.csrf_failure"

# Keys for personal data at rest: encryption keys (newest first, for rotation) and the
# separate key of the blind index used for exact search on encrypted fields.
FIELD_ENCRYPTION_KEYS = env.str_list("KEWEI_FIELD_ENCRYPTION_KEYS", [INSECURE_FIELD_KEY])
BLIND_INDEX_KEY = env.string("KEWEI_BLIND_INDEX_KEY", INSECURE_BLIND_INDEX_KEY)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "kewei.core",
    "kewei.organisation",
    "kewei.audit",
    "kewei.customers",
    "kewei.products",
    "kewei.points",
    "kewei.tiers",
    "kewei.care",
    "kewei.messaging",
    "kewei.complaints",
    "kewei.referrals",
    "kewei.events",
    "kewei.jobs",
    "kewei.analytics",
    "kewei.api",
    "kewei.engine",
    "kewei.bench",
    "kewei.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kewei.core.middleware.RequestIdMiddleware",
    # Counts, times and logs every request by view (Prometheus metrics, kewei.request).
    "kewei.core.metrics.RequestMetricsMiddleware",
    # Outside the others, so that their early answers (400, 503) carry its headers too.
    "kewei.core.middleware.SecurityHeadersMiddleware",
    "kewei.core.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kewei.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kewei.core.middleware.DataScopeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kewei.urls"
WSGI_APPLICATION = "kewei.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kewei.core.context_processors.navigation",
            ],
            "builtins": ["kewei.core.templatetags.kewei_format"],
        },
    }
]

DATABASE_URL = env.string("KEWEI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'kewei.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page server and the job worker read while a batch writes.
    DATABASES["default"]["OPTIONS"] = {
        # A larger page cache and memory-mapped reads keep a million-customer file fast;
        # the defaults (2 MB cache) thrash on random index inserts. A new file gets 32 KB
        # pages (an existing one keeps its size until VACUUM): a bulk import puts rows in
        # a dozen indexes at random places, and writes faster the fewer, larger pages it
        # touches (10 % from 4 KB to 16 KB, 4 % more to 32 KB); searches and the customer
        # page answer as fast. A small transaction writes 32 KB to the WAL per page.
        "init_command": (
            "PRAGMA page_size=32768; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-131072; PRAGMA mmap_size=1073741824; "
            "PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# The SQLite page cache of a connection while it writes a large batch (an import).
KEWEI_SQLITE_BATCH_CACHE_MB = env.integer("KEWEI_SQLITE_BATCH_CACHE_MB", 1024)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisation.Staff"
AUTHENTICATION_BACKENDS = ["kewei.organisation.auth.StaffBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock an account (not an address: a whole outlet shares one) after repeated failures.
KEWEI_LOGIN_FAILURE_LIMIT = env.integer("KEWEI_LOGIN_FAILURE_LIMIT", 5)
KEWEI_LOGIN_LOCK_MINUTES = env.integer("KEWEI_LOGIN_LOCK_MINUTES", 30)
# Separation of duties: role sets no one may hold together, each as role codes joined by
# "+" (kewei.organisation.roles.Role); "business" stands for any role that sees customer
# data. Default: the administrator is neither auditor nor any business role.
KEWEI_INCOMPATIBLE_ROLES = env.str_list(
    "KEWEI_INCOMPATIBLE_ROLES", ["system_admin+auditor", "system_admin+business"]
)

# Sessions end after 30 idle minutes: every request renews the expiry.
SESSION_COOKIE_AGE = env.integer("KEWEI_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Grouped digits in Chinese too, and ISO values in date inputs (kewei/settings/formats).
FORMAT_MODULE_PATH = ["kewei.settings.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
# Files under MEDIA_ROOT hold personal data: exports (``exports/``) and import uploads with
# their reports (``imports/``) are deleted this many hours after they were written, by
# the nightly batch (step ``jobs.prune_media``) or ``kewei prune_imports``.
KEWEI_EXPORT_RETENTION_HOURS = env.integer("KEWEI_EXPORT_RETENTION_HOURS", 24)
KEWEI_UPLOAD_RETENTION_HOURS = env.integer("KEWEI_UPLOAD_RETENTION_HOURS", 24)
WHITENOISE_USE_FINDERS = True

# Background jobs: django-tasks (the backport of Django 6's django.tasks) on its
# database backend. The embedded default needs no broker; production runs as many
# ``kewei worker`` processes as it needs against PostgreSQL (docs/operations.md).
TASKS = {
    "default": {
        "BACKEND": env.string("KEWEI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "batch"],
    }
}

# ``kewei worker`` (kewei.jobs.worker): the heartbeat of each worker process, how old a
# heartbeat may be before a worker on another host counts as gone (its running jobs are
# then failed, and the readiness check stops counting it), how often a worker sweeps for
# such jobs, and its back-off while the database is unreachable (first wait, doubling
# up to the cap).
KEWEI_WORKER_HEARTBEAT_SECONDS = env.integer("KEWEI_WORKER_HEARTBEAT_SECONDS", 10)
KEWEI_WORKER_STALE_SECONDS = env.integer("KEWEI_WORKER_STALE_SECONDS", 60)
KEWEI_WORKER_SWEEP_SECONDS = env.integer("KEWEI_WORKER_SWEEP_SECONDS", 60)
KEWEI_WORKER_RETRY_FIRST_SECONDS = env.integer("KEWEI_WORKER_RETRY_FIRST_SECONDS", 1)
KEWEI_WORKER_RETRY_MAX_SECONDS = env.integer("KEWEI_WORKER_RETRY_MAX_SECONDS", 60)
# The readiness check (/readyz) wants at least this many live workers (0: none needed,
# say when jobs run in the page process).
KEWEI_READY_MIN_WORKERS = env.integer("KEWEI_READY_MIN_WORKERS", 1)
# ... and, when above 0, the last nightly batch that finished no more than this many days
# before today. 0 (the default): the night is reported but never makes the pages "not
# ready", so a late batch (a weekend without a feed) does not take every server out of
# the load balancer at once; alert on the metrics instead (docs/operations.md).
KEWEI_READY_NIGHT_MAX_AGE_DAYS = env.integer("KEWEI_READY_NIGHT_MAX_AGE_DAYS", 0)
# Prometheus metrics (GET /metrics, kewei.core.metrics): answered to clients in these
# addresses or networks that did not come through the reverse proxy, or to any client
# sending "Authorization: Bearer <KEWEI_METRICS_TOKEN>" when a token is set.
KEWEI_METRICS_ALLOWED_IPS = env.str_list("KEWEI_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
KEWEI_METRICS_TOKEN = env.string("KEWEI_METRICS_TOKEN", "")
# Personal data of a customer who left the bank is anonymised this many days after they
# left (kewei anonymise_departed; PIPL art. 19, 47); the ledgers and the audit trail stay.
KEWEI_PERSONAL_DATA_RETENTION_DAYS = env.integer("KEWEI_PERSONAL_DATA_RETENTION_DAYS", 1825)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Headers of every answer but static files (kewei.core.middleware.SecurityHeadersMiddleware).
# Everything is served by Kewei itself: no inline script, no CDN, no framing. Charts are
# inline SVG; their PNG download draws a data: image.
KEWEI_CACHE_CONTROL = env.string("KEWEI_CACHE_CONTROL", "no-store")
KEWEI_CONTENT_SECURITY_POLICY = env.string(
    "KEWEI_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'",
)
KEWEI_PERMISSIONS_POLICY = env.string(
    "KEWEI_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=()",
)

KEWEI_BANK_NAME = env.string("KEWEI_BANK_NAME", "客维示范银行")
# Worker processes that prepare the rows of a large customer import (validation,
# encryption, blind indexes) while the importing process writes: 0 prepares in-process.
KEWEI_IMPORT_WORKERS = env.integer("KEWEI_IMPORT_WORKERS", min(os.cpu_count() or 1, 4))
# An XLSX upload is refused before it is read when its members inflate to more than
# these bytes, or its sheet spans more cells (rows × columns from A1 to the last used
# cell, or cells one by one): the reader holds the whole rectangle in memory, 32 bytes a
# cell. An import of 200,000 rows of 13 columns inflates to about 150 MB, 2.6 M cells.
KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES = env.integer(
    "KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES", 256 * 1024 * 1024
)
KEWEI_IMPORT_XLSX_MAX_CELLS = env.integer("KEWEI_IMPORT_XLSX_MAX_CELLS", 10_000_000)
# A single transaction at or above this amount (元) is a large fund movement (大额资金异动).
KEWEI_LARGE_MOVEMENT_YUAN = env.integer("KEWEI_LARGE_MOVEMENT_YUAN", 100_000)
# The bank's holidays and make-up working weekends (调休), ISO dates: working-day
# deadlines and the "prepare before a weekend" rule of reminders follow them.
KEWEI_HOLIDAYS = frozenset(env.str_list("KEWEI_HOLIDAYS", []))
KEWEI_WORKING_WEEKENDS = frozenset(env.str_list("KEWEI_WORKING_WEEKENDS", []))
# The 5-20 plan (每天至少面谈5个, 电话20个): a customer manager's daily contacts.
KEWEI_DAILY_MEETINGS = env.integer("KEWEI_DAILY_MEETINGS", 5)
KEWEI_DAILY_CALLS = env.integer("KEWEI_DAILY_CALLS", 20)
# Messages to customers. Senders: "outbox" keeps messages for the bank's own platform
# to collect (the default: the demo sends nothing outside); "http" posts SMS to a
# gateway; "smtp" sends e-mail through EMAIL_HOST.
KEWEI_SMS_SENDER = env.string("KEWEI_SMS_SENDER", "outbox")
KEWEI_SMS_GATEWAY_URL = env.string("KEWEI_SMS_GATEWAY_URL", "")
KEWEI_SMS_GATEWAY_TOKEN = env.string("KEWEI_SMS_GATEWAY_TOKEN", "")
KEWEI_EMAIL_SENDER = env.string("KEWEI_EMAIL_SENDER", "outbox")
EMAIL_HOST = env.string("KEWEI_EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("KEWEI_EMAIL_PORT", 25)
EMAIL_HOST_USER = env.string("KEWEI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env.string("KEWEI_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env.boolean("KEWEI_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.string("KEWEI_EMAIL_FROM", "kewei@localhost")
# No messages between 21:00 and 08:00 (start hour, end hour); at most this many
# marketing messages per customer per calendar month.
KEWEI_QUIET_HOURS = (
    env.integer("KEWEI_QUIET_HOURS_START", 21),
    env.integer("KEWEI_QUIET_HOURS_END", 8),
)
KEWEI_MARKETING_MONTHLY_CAP = env.integer("KEWEI_MARKETING_MONTHLY_CAP", 4)
# Manual points adjustments above this many points need the large-adjustment approval.
KEWEI_POINTS_LARGE_ADJUSTMENT = env.integer("KEWEI_POINTS_LARGE_ADJUSTMENT", 10_000)

# The demo's API tokens (``make demo`` writes them here; a token is shown only once).
KEWEI_DEMO_TOKENS_FILE = VAR_DIR / "demo-api-tokens.txt"

# The integration API (/api/v1/): Django REST framework with an OpenAPI description
# (drf-spectacular) and its documentation page, both served locally (no CDN).
KEWEI_API_PREFIX = "/api/"
# A JSON body deeper than this many arrays/objects, or larger than this many bytes, is
# refused (400) before anything reads it.
KEWEI_API_JSON_MAX_DEPTH = env.integer("KEWEI_API_JSON_MAX_DEPTH", 32)
KEWEI_API_JSON_MAX_BYTES = env.integer("KEWEI_API_JSON_MAX_BYTES", 32 * 1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kewei.api.framework.TokenAuthentication",
        "kewei.api.framework.StaffSession",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kewei.api.framework.Allowed"],
    "DEFAULT_THROTTLE_CLASSES": ["kewei.api.framework.TokenRate"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["kewei.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "kewei.api.framework.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "客维接口 / Kewei API",
    "DESCRIPTION": (
        "客维的集成接口：核心系统、柜面终端、手机银行和短信平台。"
        " / The integration API for the core system, counters, mobile banking and the "
        "SMS platform. Systems send `Authorization: Bearer <token>`; staff use their "
        "signed-in session. Errors: `{code, message, message_en, field, errors}`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["kewei.api.framework.Allowed"],
    "SERVE_AUTHENTICATION": [
        "kewei.api.framework.TokenAuthentication",
        "kewei.api.framework.StaffSession",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "kewei.api.schema.add_error_responses",
    ],
}

LOGGING = logging_config(
    log_format=env.string("KEWEI_LOG_FORMAT", "plain"),
    root_level=env.string("KEWEI_LOG_LEVEL", "INFO"),
    loggers={"django.db.backends": {"level": "WARNING"}, "py4j": {"level": "WARNING"}},
)
