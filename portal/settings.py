"""One settings module for every environment.

With no environment variables the portal runs on embedded defaults: SQLite, background
tasks executed in-process, e-mail printed to the console. ``DATABASE_URL``, ``REDIS_URL``
and ``EMAIL_URL`` switch to PostgreSQL, Redis with Celery workers, and SMTP. On a local
checkout ``var/local.env`` (written by ``make migrate``) fills in what the environment does not
set: ``DEBUG=1`` and a key of its own.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.core.env import (
    check_redis_url,
    env_bool,
    env_int,
    env_list,
    env_oidc_provider,
    env_str,
    load_local_env,
    parse_database_url,
    parse_email_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# Not read when the environment sets SECRET_KEY (production, the tests): see load_local_env.
load_local_env(Path(env_str("LOCAL_ENV_FILE", str(BASE_DIR / "var" / "local.env")) or ""))

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off"
            " (on a local checkout, `make run` writes one to var/local.env)"
        )
    # Development only: DEBUG is on, so this key never guards a production site.
    SECRET_KEY = "dev-only-insecure-key-for-local-runs-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal.municipalities",
    "portal.accounts",
    "portal.core.audit",
    "portal.benchmark",
    "surveys",
    "housing",
    "portal.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.accounts.sessions.SessionEndMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": parse_database_url("DATABASE_URL", _database_url)}
else:
    _sqlite_path = env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")) or ""
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path,
            "OPTIONS": {"timeout": 20},
        }
    }
    # SQLite creates the file but not its directory (var/ on a fresh clone). Where the directory
    # cannot be made (a read-only file system), SQLite says so when it is first opened.
    if _sqlite_path and _sqlite_path != ":memory:" and not _sqlite_path.startswith("file:"):
        with contextlib.suppress(OSError):
            Path(_sqlite_path).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache and Celery ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    check_redis_url("REDIS_URL", REDIS_URL)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
            # A Redis that is down or unreachable costs a request at most this long per call;
            # the callers (login and autosave limits) carry on without it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    # No broker: tasks run in-process, right away, as on the first `make run`.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Oslo"
CELERY_BEAT_SCHEDULE: dict = {
    "survey-reminders": {
        "task": "surveys.tasks.send_due_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "accounts-clear-expired-sessions": {
        "task": "portal.accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "housing-stale-reminders": {
        "task": "housing.tasks.queue_stale_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "benchmark-resume-batches": {
        "task": "portal.benchmark.tasks.resume_batches",
        "schedule": crontab(minute="*/5"),
    },
    # Reports asked for while Redis was down (workers also send them as they reconnect).
    "benchmark-send-waiting-reports": {
        "task": "portal.benchmark.tasks.send_waiting_reports",
        "schedule": 60.0,
    },
    # E-mails the broker did not take while Redis was down (portal.core.queue; workers also send
    # these sweeps as they reconnect).
    "accounts-send-unsent-invitations": {
        "task": "portal.accounts.tasks.send_unsent_invitations",
        "schedule": 300.0,
    },
    "surveys-send-unsent-emails": {
        "task": "surveys.tasks.send_unsent_emails",
        "schedule": 300.0,
    },
    "housing-send-unsent-reminders": {
        "task": "housing.tasks.send_unsent_reminders",
        "schedule": 300.0,
    },
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A message whose worker died unacknowledged is delivered again after this many seconds.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 300),
    # A Redis that does not answer (rather than refusing the connection) would otherwise hold a
    # request that sends a task forever; with these, sending gives up after about 4 s and the
    # request carries on (portal.core.queue). Redis answers a worker's waiting BRPOP within a
    # second, so these do not cut it short.
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
}
# Without a broker, benchmark reports (one asked for, or a batch) are made in a thread beside the
# request that asked for them, so the request answers at once with a page that follows the work.
BENCHMARK_IN_THREAD = env_bool("BENCHMARK_IN_THREAD", not REDIS_URL)

# --- E-mail ---------------------------------------------------------------------------
_email = parse_email_url("EMAIL_URL", env_str("EMAIL_URL", "console://") or "console://")
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_TLS = _email.use_tls
EMAIL_USE_SSL = _email.use_ssl
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Kommuneportalen <noreply@kommuneportal.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTAL_BASE_URL = (env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")

# --- The directorate's contact details (footer, privacy and accessibility statements) -------
# IMDi's public e-mail address and website; set the phone number and postal address to show them.
PORTAL_CONTACT_EMAIL = env_str("PORTAL_CONTACT_EMAIL", "post@imdi.no") or ""
PORTAL_CONTACT_PHONE = env_str("PORTAL_CONTACT_PHONE", "") or ""
PORTAL_CONTACT_ADDRESS = env_str("PORTAL_CONTACT_ADDRESS", "") or ""
PORTAL_CONTACT_WEBSITE = env_str("PORTAL_CONTACT_WEBSITE", "https://www.imdi.no") or ""

# --- Authentication -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["portal.accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
INVITATION_VALID_FOR = timedelta(days=14)

# A session ends this long after log-in (or after "Stay logged in"); opening pages does not
# extend it. Pages warn SESSION_WARNING_SECONDS before the end (portal/accounts/sessions.py).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 8)  # a working day
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 5 * 60)
# Failed logins: per login name and per client address, within the lockout window.
LOGIN_FAILURES_PER_NAME = env_int("LOGIN_FAILURES_PER_NAME", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
THROTTLE_PREFIX = "throttle"  # cache keys of the login and autosave counts
# Autosaves per person per minute (someone typing saves a few times a minute).
AUTOSAVE_PER_MINUTE = env_int("AUTOSAVE_PER_MINUTE", 240)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Logging in with ID-porten / Ansattporten over OpenID Connect (docs/id-porten.md). A provider is
# off while its discovery URL is not set; its button shows only when it is configured.
NATIONAL_LOGIN_PROVIDERS = [
    provider
    for provider in (
        env_oidc_provider(
            "IDPORTEN",
            slug="idporten",
            label="ID-porten",
            default_acr=["idporten-loa-substantial", "idporten-loa-high"],
        ),
        env_oidc_provider(
            "ANSATTPORTEN",
            slug="ansattporten",
            label="Ansattporten",
            default_acr=["substantial", "high"],
        ),
    )
    if provider is not None
]
# The key of the HMAC-SHA256 hash kept of a person's national identity number. Its own key, not
# SECRET_KEY: rotating SECRET_KEY must not unbind every person. No production default.
NATIONAL_ID_HASH_KEY = env_str("NATIONAL_ID_HASH_KEY", "") or ""
if NATIONAL_LOGIN_PROVIDERS and len(NATIONAL_ID_HASH_KEY) < 32:
    if not DEBUG:
        raise ImproperlyConfigured(
            "NATIONAL_ID_HASH_KEY must be set (32 characters or more) when ID-porten or "
            "Ansattporten is configured"
        )
    NATIONAL_ID_HASH_KEY = "dev-only-national-id-hash-key-never-used-in-production"  # noqa: S105
# Seconds of clock difference allowed when checking an id_token's exp, iat and nbf.
NATIONAL_LOGIN_LEEWAY_SECONDS = env_int("NATIONAL_LOGIN_LEEWAY_SECONDS", 60)
# Directorate staff give a code from an authenticator app (TOTP) after the password.
OTP_TOTP_ISSUER = "Kommuneportalen"
OTP_TOTP_THROTTLE_FACTOR = 1  # after each wrong code, wait 1, 2, 4, 8 … seconds
# One-use recovery codes for a lost phone (django-otp's static device): the same waits.
OTP_STATIC_THROTTLE_FACTOR = 1
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- The API for systems (/api/v1/, docs/api.md) -----------------------------------------
# Bearer tokens in the Maskinporten style: JWTs from this issuer, checked against its keys (the
# JWKS at API_TOKEN_JWKS_URL, or the jwks_uri of the discovery document at
# API_TOKEN_DISCOVERY_URL), for this audience. With DEBUG on they default to the local test
# issuer (`make token-issuer`, tests/providers/token_issuer.py); in production they must be set,
# or every API request is refused with 503.
_DEV_ISSUER = "http://127.0.0.1:8765"
API_TOKEN_ISSUER = env_str("API_TOKEN_ISSUER", f"{_DEV_ISSUER}/" if DEBUG else "") or ""
API_TOKEN_JWKS_URL = (
    env_str("API_TOKEN_JWKS_URL", f"{_DEV_ISSUER}/jwks.json" if DEBUG else "") or ""
)
API_TOKEN_DISCOVERY_URL = env_str("API_TOKEN_DISCOVERY_URL", "") or ""
API_TOKEN_AUDIENCE = (
    env_str("API_TOKEN_AUDIENCE", "https://kommuneportal.example/api" if DEBUG else "") or ""
)
API_TOKEN_ALGORITHMS = env_list("API_TOKEN_ALGORITHMS", ["RS256", "RS384", "RS512", "PS256"])
_not_asymmetric = [
    a for a in API_TOKEN_ALGORITHMS if a[:2] not in ("RS", "PS", "ES") or not a[2:].isdigit()
]
if _not_asymmetric:
    raise ImproperlyConfigured(
        f"API_TOKEN_ALGORITHMS may list only RS*, PS* and ES* algorithms, not {_not_asymmetric}"
    )
API_TOKEN_LEEWAY_SECONDS = env_int("API_TOKEN_LEEWAY_SECONDS", 30)
API_JWKS_CACHE_SECONDS = env_int("API_JWKS_CACHE_SECONDS", 300)
# A token naming an unknown key makes the portal fetch the keys again, at most this often.
API_JWKS_MIN_REFRESH_SECONDS = env_int("API_JWKS_MIN_REFRESH_SECONDS", 10)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 100)
API_MAX_PAGE_SIZE = env_int("API_MAX_PAGE_SIZE", 1000)

# --- Security (production) ------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norwegian Bokmål")),
    ("nn", _("Norwegian Nynorsk")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")) or "")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")) or "")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: a key-figure file for every municipality over many years is well under this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
KEY_FIGURE_UPLOAD_MAX_BYTES = env_int("KEY_FIGURE_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
HOUSING_UPLOAD_MAX_BYTES = env_int("HOUSING_UPLOAD_MAX_BYTES", 2 * 1024 * 1024)
SURVEY_DEFINITION_MAX_BYTES = env_int("SURVEY_DEFINITION_MAX_BYTES", 2 * 1024 * 1024)
# No more than this of any one uploaded file is kept, in memory or on disk (portal/core/uploads.py).
UPLOAD_MAX_BYTES = max(
    KEY_FIGURE_UPLOAD_MAX_BYTES, HOUSING_UPLOAD_MAX_BYTES, SURVEY_DEFINITION_MAX_BYTES
)
FILE_UPLOAD_HANDLERS = [
    "portal.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The benchmark floor view (bench/autosave.py) and the query count of every response in its
# X-Queries header; never on in production.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", default=False)
if BENCH_ENDPOINTS:
    MIDDLEWARE.insert(0, "portal.middleware.QueryCountMiddleware")

# Demo users (password "demo") are created only when DEBUG is on.
DEMO_PASSWORD = "demo"  # noqa: S105
