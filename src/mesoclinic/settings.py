"""One settings module: everything comes from the environment, with a safe embedded default.

Embedded default: SQLite in WAL mode and local media under ``MESOCLINIC_DATA_DIR`` (``./data``), a
generated secret key kept there. At scale: ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``, S3 storage.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from mesoclinic.env import env_bool, env_int, env_list, env_optional_secret, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("MESOCLINIC_DATA_DIR", str(Path.cwd() / "data"))).resolve()

DEBUG = env_bool("MESOCLINIC_DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", data_dir=DATA_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # the API docs from its own static files, not a CDN with an inline script (the CSP allows neither)
    "simple_history",
    "django_tasks",
    "mesoclinic.audit",
    "mesoclinic.worker",
    "mesoclinic.accounts",
    "mesoclinic.audit_viewer",
    "mesoclinic.catalog",
    "mesoclinic.patients",
    "mesoclinic.safety",
    "mesoclinic.scheduling",
    "mesoclinic.inventory",
    "mesoclinic.treatments",
    "mesoclinic.vigilance",
    "mesoclinic.outcomes",
    "mesoclinic.billing",
    "mesoclinic.reports",
    "mesoclinic.portal",
    "mesoclinic.privacy",
    "mesoclinic.backup",
    "mesoclinic.webhooks",
    "mesoclinic.notifications",
    "mesoclinic.interop",
    "mesoclinic.clinic_settings",
    "mesoclinic.web",
    # After the MesoClinic apps, so that accounts' templates override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
]

MIDDLEWARE = [
    "mesoclinic.web.server_timing.ServerTimingMiddleware",  # outermost: what the whole request cost (when on)
    "mesoclinic.web.db_retry.RetryLostConnectionMiddleware",  # first: a read that lost its connection runs again
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "mesoclinic.web.middleware.PermissionsPolicyMiddleware",
    "mesoclinic.web.middleware.NoStoreMiddleware",
    "mesoclinic.web.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "mesoclinic.web.middleware.NulInAddressMiddleware",  # after the locale, before anything reads the database
    "django.middleware.common.CommonMiddleware",
    "mesoclinic.portal.middleware.PublicApiCorsMiddleware",  # the public booking API: the clinic's origins
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mesoclinic.accounts.middleware.SessionLifetimeMiddleware",
    "mesoclinic.accounts.middleware.ClinicMiddleware",
    "mesoclinic.accounts.middleware.StaffLanguageMiddleware",
    "mesoclinic.audit.context.AuditContextMiddleware",
    "mesoclinic.audit.reads.ReadAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "mesoclinic.accounts.middleware.MfaRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into the lockout page
]

ROOT_URLCONF = "mesoclinic.urls"
WSGI_APPLICATION = "mesoclinic.wsgi.application"

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
                "mesoclinic.accounts.context_processors.clinic",
            ],
        },
    },
]


def _database(url: str) -> dict[str, object]:
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'mesoclinic.sqlite3'}"
    try:
        config: dict[str, object] = dict(
            dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL I understand: {exc}") from None
    # A kept connection that died between requests (database restart, failover) is replaced before use,
    # instead of failing the next request; see also mesoclinic.web.db_retry for one that dies during one.
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while one writer writes; IMMEDIATE avoids upgrade deadlocks.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["CONN_MAX_AGE"] = 0
        # Tests use a file, not memory, so that concurrent test clients really are separate connections.
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    elif test_name := env_str("MESOCLINIC_TEST_DB_NAME"):
        # Lets two checkouts run the PostgreSQL suite side by side on one server.
        config["TEST"] = {"NAME": test_name}
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL"))}
# A streaming replica of the PostgreSQL database for the reads that may lag a little: the clinic reports, their
# CSV exports and the FHIR bulk export (mesoclinic.read_replica, docs/deployment.md). Unset: everything reads
# the primary. Reads go to the primary when the replica is down or more than REPLICA_MAX_LAG_SECONDS behind.
if replica_url := env_str("DATABASE_REPLICA_URL"):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL on PostgreSQL.")
    replica = _database(replica_url)
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be a PostgreSQL URL.")
    # A dead replica is noticed in seconds (then the primary answers); the tests use the primary's database.
    replica["OPTIONS"] = {"connect_timeout": env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)}
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = replica
DATABASE_ROUTERS = ["mesoclinic.read_replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication: django-allauth (username or e-mail, password reset by e-mail, TOTP + recovery codes),
# django-axes in front of every backend (lockout per username and address). No open signup: the owner or an
# admin creates staff accounts.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
ACCOUNT_ADAPTER = "mesoclinic.accounts.adapters.StaffAccountAdapter"
ACCOUNT_FORMS = {
    "login": "mesoclinic.accounts.forms.StaffLoginForm",
    "reset_password": "mesoclinic.accounts.forms.StaffResetPasswordForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are entered by the clinic owner, not by strangers
# allauth's own token writes an unverified address row as a side effect, which then blocks MFA enrolment.
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "mesoclinic.accounts.tokens.ResetTokenGenerator"  # noqa: S105 — a class path
ACCOUNT_SESSION_REMEMBER = False  # a shared clinic computer must not keep anyone signed in
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a reset asked for an unknown address sends nothing to anyone
# Changing the e-mail address (where password resets go) asks for the password again: a session left open
# on a shared computer is not enough to take the account over.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# django-axes locks an account on one address first (5 failures); allauth's "login_failed" limit, looser, bounds
# wrong second-factor codes per account (allauth counts them under this action) and guessing across accounts
# from one address.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,10/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "MesoClinic")
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "mesoclinic.accounts.lockout.username_for_lockout"
AXES_LOCKOUT_CALLABLE = "mesoclinic.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log; no second store of addresses
AXES_VERBOSE = False  # its log lines name the username and address; the audit log records lockouts instead
AXES_SENSITIVE_PARAMETERS = ["password", "login", "username", "email"]

# API rate limits (django-ninja throttling), read on every request: per token or user, and per address for
# requests that carry no valid credentials.
API_RATE_USER = env_str("API_RATE_USER", "600/min")
API_RATE_ANON = env_str("API_RATE_ANON", "60/min")

# Languages (issue 15): English and Polish, the Django way. Which one a request gets: an explicit choice made
# with Django's set_language view (its django_language cookie) first; then a signed-in staff member's own
# preference, else their clinic's language (mesoclinic.accounts.middleware.StaffLanguageMiddleware); public
# pages follow the browser's Accept-Language. Messages to a patient use the language on their record. A third
# language is one more line here and one more folder under locale/ (see the README's "Translating" section).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates, numbers and money per language: Django's own locale formats, with the few MesoClinic overrides in
# mesoclinic/formats/<lang>/formats.py (Polish dates as 7.12.2026, week from Monday).
FORMAT_MODULE_PATH = ["mesoclinic.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it, even before collectstatic
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# S3-compatible storage for uploaded files (photos) at scale: set S3_BUCKET (and S3_ENDPOINT_URL for MinIO,
# Ceph, Scaleway...). Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a
# profile or an instance role), never from this file. Objects are private; the app streams them after its
# access check, so no public or signed URL is ever handed out.
if S3_BUCKET := env_str("S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "location": env_str("S3_PREFIX"),
            "default_acl": "private",
            "file_overwrite": False,
        },
    }

PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 25 * 1024 * 1024)
# Imports (FHIR Patients, CSV rows) with more entries than this run in the worker and answer 202 at once with
# the run to follow: a 12,000-Patient Bundle took longer than gunicorn's 30 s in the request.
IMPORT_BACKGROUND_OVER = env_int("IMPORT_BACKGROUND_OVER", 500)
# How many series one address or e-mail may hold at once on the public booking pages and API (issue 18).
PORTAL_MAX_HOLDS = env_int("PORTAL_MAX_HOLDS", 3)
# A waiting-list offer lapses when not accepted within this many hours (and in any case once the clinic's
# online-booking lead time before the offered session is reached, at least an hour before it).
PORTAL_WAITLIST_OFFER_HOURS = env_int("PORTAL_WAITLIST_OFFER_HOURS", 12)
# No request body beyond one photo and its form: larger uploads are refused (413) before they are read.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", PHOTO_MAX_BYTES + 1024 * 1024)

# Background work (photo analysis, messages, purges) goes through the django-tasks API and runs in the worker
# (`mesoclinic worker`, started by `make run`): huey on SQLite in the data folder, or on Redis when REDIS_URL
# is set. Every job is logged (mesoclinic.worker.models.Job); a failing one is retried with exponential
# backoff (TASK_RETRY_DELAY seconds, times TASK_RETRY_BACKOFF each time) up to TASK_MAX_ATTEMPTS attempts.
# A running job holds a lease its worker renews; a job without a sign of life for WORKER_LEASE_SECONDS (its
# worker was killed) is retried by another worker's watchdog, or marked failed after the last attempt.
# TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend runs tasks in the request instead (tests).
REDIS_URL = env_str("REDIS_URL")
# One cache for every process (rate limits, allauth's sign-in limits and used one-time codes): a per-process
# cache let each gunicorn worker count on its own. The database on the embedded default (its table comes with
# `migrate`), Redis when REDIS_URL is set.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "mesoclinic_cache",  # shared_cache.CACHE_TABLE
        # Culling at Django's default 300 rows would drop live counters of a busy clinic (one per address
        # and token per window); expired rows are culled first anyway.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
HUEY = {
    "name": env_str("WORKER_QUEUE", "mesoclinic"),
    "storage": "redis" if REDIS_URL else "sqlite",
    "url": REDIS_URL,
    "filename": str(DATA_DIR / "worker.sqlite3"),
    "workers": env_int("WORKER_THREADS", 2),
    "max_attempts": env_int("TASK_MAX_ATTEMPTS", 4),
    "retry_delay": env_int("TASK_RETRY_DELAY", 30),
    "retry_backoff": env_int("TASK_RETRY_BACKOFF", 2),
    "lease_seconds": env_int("WORKER_LEASE_SECONDS", 60),
    # A job logged queued whose message was lost (its process killed between commit and queue) is sent again
    # after this long; a duplicate of one that was queued after all is skipped (worker.services).
    "resend_seconds": env_int("WORKER_RESEND_SECONDS", 600),
}
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "mesoclinic.worker.backend.HueyBackend"),
        "OPTIONS": HUEY,
    }
}
# Periodic jobs run by the worker's scheduler, crontab fields in UTC:
# {"name": {"task": "dotted.path.to.django_tasks_task", "crontab": {"minute": "*/5", "hour": "*", ...}}}
PERIODIC_TASKS: dict[str, dict[str, object]] = {
    "job-log-purge": {
        "task": "mesoclinic.worker.services.purge_job_log",
        "crontab": {"minute": "17", "hour": "2"},
    },
    "privacy-purge": {  # erase what an erasure request asked for once its retention period has ended
        "task": "mesoclinic.privacy.services.purge_expired",
        "crontab": {"minute": "41", "hour": "3"},
    },
    "portal-holds": {  # online visitors' held dates whose ten minutes ran out: free again
        "task": "mesoclinic.portal.services.release_expired_holds_task",
        "crontab": {"minute": "*"},
    },
    "portal-waitlist-offers": {  # waiting-list offers not accepted in time: lapse, the next patient offered
        "task": "mesoclinic.portal.waitlist.lapse_offers_task",
        "crontab": {"minute": "*/5"},
    },
    "portal-purge": {  # online bookings and portal sign-ins never verified: forgotten after a day
        "task": "mesoclinic.portal.services.purge_unverified_task",
        "crontab": {"minute": "23"},
    },
    "webhook-retries": {  # deliveries whose next attempt is due (retries, or sends the worker missed)
        "task": "mesoclinic.webhooks.services.deliver_due_webhooks",
        "crontab": {"minute": "*"},
    },
    "schedule-changes-prune": {  # the availability change feed's rows other processes have long applied
        "task": "mesoclinic.scheduling.services.prune_schedule_changes",
        "crontab": {"minute": "29"},
    },
    "send-notifications": {  # reminders, continuation, maintenance recall, aftercare, complication checks
        "task": "mesoclinic.notifications.services.send_due_notifications_task",
        "crontab": {"minute": "*/5"},
    },
}
JOB_LOG_DAYS = env_int("JOB_LOG_DAYS", 30)  # succeeded background jobs are kept this long in the job log
# The availability change feed (scheduling.ScheduleChange): rows are kept this long, then pruned hourly; a
# process whose kept index is older than that rebuilds it instead of patching.
SCHEDULE_CHANGES_KEEP_HOURS = env_int("SCHEDULE_CHANGES_KEEP_HOURS", 24)

# Server-Timing (app, database and CPU time of each request) on every response: for the load benchmark and
# the browser's developer tools; off by default (it tells outsiders how much work a request made).
SERVER_TIMING = env_bool("SERVER_TIMING", False)

# Outgoing webhooks. Targets must be https and public; development may allow http and local receivers.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
WEBHOOK_ALLOW_PRIVATE_TARGETS = env_bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = env_int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600)

# Messages to patients. Links in them point at MESOCLINIC_BASE_URL (the address patients reach the site at).
MESOCLINIC_BASE_URL = env_str("MESOCLINIC_BASE_URL", "http://localhost:8000")
# E-mail: Django's backends. The embedded default prints to the console (nothing leaves the machine);
# production sets EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EMAIL_* below.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_optional_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "MesoClinic <no-reply@localhost>")
# SMS: a dotted path, like EMAIL_BACKEND: console (default), file (SMS_FILE_PATH) or the HTTP provider adapter.
SMS_BACKEND = env_str("SMS_BACKEND", "mesoclinic.notifications.channels.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(DATA_DIR / "sms" / "outbox.jsonl"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
SMS_HTTP_API_KEY = env_optional_secret("SMS_HTTP_API_KEY")

# Online card payments through Stripe (billing.stripe_gateway): offered only when STRIPE_SECRET_KEY and
# STRIPE_PUBLISHABLE_KEY are set; without them the till, deposits and refunds work without the online card.
# STRIPE_WEBHOOK_SECRET verifies the signed events posted to /billing/stripe/webhook/. STRIPE_API_BASE points
# the client (and the payment page's Stripe.js, unless STRIPE_JS_URL says otherwise) at another server:
# localstripe in the tests, nothing in production.
STRIPE_SECRET_KEY = env_optional_secret("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_optional_secret("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE").rstrip("/")
STRIPE_JS_URL = env_str("STRIPE_JS_URL")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_SENDER = env_str("SMS_SENDER", "MesoClinic")

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is therefore an idle timeout
# However active, a session ends this long after its sign-in (SessionLifetimeMiddleware).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it for its X-CSRFToken header
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# URLs carry patient ids: never send them to another site, not even the origin of a same-site page.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the pages may use: the camera for photo capture, on this origin only; nothing else.
PERMISSIONS_POLICY = {
    "camera": "(self)",
    "microphone": "()",
    "geolocation": "()",
    "payment": "()",
    "usb": "()",
    "browsing-topics": "()",
}
# No inline script or style anywhere (templates, htmx with its indicator styles and eval off, static JS):
# what runs is what the server shipped as a file. ``data:``/``blob:`` images are the camera preview and
# canvas exports of the photo pages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("MESOCLINIC_HTTPS", False):
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Records are kept this long after the last entry before they may be erased (UK guidance: 8 years).
MESOCLINIC_RETENTION_YEARS = env_int("MESOCLINIC_RETENTION_YEARS", 8)

# No personal data in logs or error reports: every handler passes records through the redaction filter, and
# Django's error reports hide POST data, local variables and the exception's message (mesoclinic.audit.redaction).
DEFAULT_EXCEPTION_REPORTER_FILTER = "mesoclinic.audit.redaction.PiiSafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "mesoclinic.audit.redaction.PiiSafeExceptionReporter"
ADMINS = [("Admin", address) for address in env_list("ADMINS", [])]
LOG_LEVEL = env_str("LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_pii": {"()": "mesoclinic.audit.redaction.RedactPersonalData"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_pii"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "no_pii"],
            "level": "ERROR",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # Django's own loggers get the same filtered handlers instead of its unfiltered defaults.
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
