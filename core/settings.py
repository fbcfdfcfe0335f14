"""Settings: wiring only. Every value comes from the environment (or a `.env` file).

`make run` sets DEBUG=true for development; anything else (gunicorn, `make serve`)
runs with the production defaults below. `.env.example` documents every variable.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from common.redis_guard import cache_pool_kwargs
from reminders.base_rates import base_rates_with

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# The development key is public by design; production must set its own.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is false but SECRET_KEY is the development key: set SECRET_KEY in the "
        "environment or .env (`make serve` writes a random one to .env when missing)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc from our own static files
    "corsheaders",
    "django_prometheus",
    "common",
    "accounts",
    "customers",
    "settings_app",
    "invoices",
    "documents",
    "recurring",
    "products",
    "reminders",
    "dashboard",  # the admin index's figures and charts
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# django-prometheus' wrapper of the same backend: query counts, errors and latencies.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends.", 1
)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith(".postgresql"):
    # Parameters bound by the server, and statements a connection runs often prepared
    # once (psycopg, after 5 runs): less work per query on both sides (bench/README.md).
    # Off behind a pooler that cannot keep prepared statements (pgbouncer before 1.21
    # in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = env.bool(
        "DATABASE_SERVER_SIDE_BINDING", default=True
    )
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):
    # WAL + a busy timeout let the dev server and a management command share the file.
    # IMMEDIATE: a writer takes the lock when its transaction begins, so concurrent
    # writes wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The report indexes' INCLUDE columns serve PostgreSQL; SQLite builds them without.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
FILE_STORAGE = env.str("FILE_STORAGE", default="django.core.files.storage.FileSystemStorage")
STORAGES = {
    "default": {"BACKEND": FILE_STORAGE},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

if "s3" in FILE_STORAGE:  # django-storages reads these from the settings
    AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True

# Request bodies: bounded against abuse (a draft itself by INVOICE_MAX_BYTES below).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Cache, throttling, Celery -------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=0.25)
# After a Redis failure a process does not try Redis again for this long (each use apart).
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis keeps one client per connection pool (Django's own backend
            # builds a redis.Redis for every operation, ~0.14 ms each).
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="billing"),
            # Short timeouts, no retries and a circuit breaker (common.redis_guard): a hung
            # or stopped Redis costs one timeout per process, then nothing for a while.
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
                "CONNECTION_POOL_KWARGS": cache_pool_kwargs(),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing never waits long: one try with short socket timeouts (the callers record the
# work in the database first; common.broker.GuardedTask adds the circuit breaker).
BROKER_SOCKET_TIMEOUT = env.float("BROKER_SOCKET_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": BROKER_SOCKET_TIMEOUT,
    "socket_timeout": BROKER_SOCKET_TIMEOUT,
    "retry_on_timeout": False,
    "max_retries": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_SOCKET_TIMEOUT
CELERY_TASK_PUBLISH_RETRY = False
# Bounded work in the workers: every task has a soft and a hard time limit (the document
# task its own, documents.tasks), and a child process is replaced once it holds more
# than this much memory (KiB) after a task.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=1024 * 1024
)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Recurring invoices (recurring/): periods billed per schedule and run at most (the rest
# follow at the next runs, said in `last_error`), and when the daily run starts.
RECURRING_MAX_CATCHUP = env.int("RECURRING_MAX_CATCHUP", default=12)
RECURRING_RUN_HOUR = env.int("RECURRING_RUN_HOUR", default=6)
RECURRING_RUN_MINUTE = env.int("RECURRING_RUN_MINUTE", default=0)
# Payment reminders (reminders/): when the daily run starts (Celery's zone; the day checked
# is the company's), and the base rate of late interest by the day it took effect:
# Germany's Basiszinssatz (reminders/base_rates.py) plus `YYYY-MM-DD=rate;...` entries.
REMINDERS_RUN_HOUR = env.int("REMINDERS_RUN_HOUR", default=7)
REMINDERS_RUN_MINUTE = env.int("REMINDERS_RUN_MINUTE", default=0)
LATE_INTEREST_BASE_RATES = base_rates_with(env.str("LATE_INTEREST_BASE_RATES", default=""))
# Celery beat: e-mails queued while the broker was down are handed to a worker again.
CELERY_BEAT_SCHEDULE = {
    "redispatch-queued-sendings": {
        "task": "documents.tasks.invoice_sendings_redispatch",
        "schedule": 600.0,
    },
    # Documents of issued invoices the after-issue task never built (broker down, a lost
    # worker): queued again, or marked failed after the last attempt.
    "redispatch-invoice-documents": {
        "task": "documents.tasks.invoice_documents_redispatch",
        "schedule": 300.0,
    },
    # Recurring invoices: every due period, once a day (the hour in Celery's zone, UTC; the day
    # billed is the company's, CompanySettings.timezone). Firing twice bills nothing twice.
    "run-recurring-invoices": {
        "task": "recurring.tasks.recurring_invoices_run",
        "schedule": crontab(hour=RECURRING_RUN_HOUR, minute=RECURRING_RUN_MINUTE),
    },
    # Payment reminders: the highest due level per open invoice, once a day; a second
    # firing finds every level it would send already claimed.
    "send-payment-reminders": {
        "task": "reminders.tasks.payment_reminders_send",
        "schedule": crontab(hour=REMINDERS_RUN_HOUR, minute=REMINDERS_RUN_MINUTE),
    },
}

# --- REST framework, JWT, OpenAPI, CORS ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["common.renderers.ORJSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["common.parsers.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "common.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "common.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": [
        "common.throttling.ResilientAnonRateThrottle",
        "common.throttling.ResilientUserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_RATE_ANON", default="120/min"),
        "user": env.str("THROTTLE_RATE_USER", default="2000/min"),
        "login": env.str("THROTTLE_RATE_LOGIN", default="30/min"),
        # Per username tried (API and admin login), whatever the address: the lockout.
        "login_username": env.str("THROTTLE_RATE_LOGIN_USERNAME", default="20/hour"),
        "public_invoice": env.str("THROTTLE_RATE_PUBLIC_INVOICE", default="60/min"),
    },
    "EXCEPTION_HANDLER": "common.handlers.api_exception_handler",
    # Proxies in front of the app (1 behind nginx): throttles then key on the real client
    # address, not on an X-Forwarded-For header a client could vary at will.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "common.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_TOKEN_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TOKEN_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Billing backend API",
    "DESCRIPTION": "Customers, EN 16931 invoices with gap-free numbers, payments, documents.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # One component per shared choice set (fields named differently use the same codes).
    "ENUM_NAME_OVERRIDES": {
        "TaxCategoryEnum": "settings_app.models.TAX_CATEGORIES",
        "LanguageEnum": "common.validators.LANGUAGES",
        "KindEnum": "invoices.models.InvoiceKind",
    },
    # Docs work offline: the UIs' files come from drf-spectacular-sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The error envelope, summaries and typed documents (common/openapi.py), after the
    # enum hook so they see the final components.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.openapi.postprocess_schema",
    ],
}

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = False

# --- Security (production defaults; `make run` relaxes them via DEBUG) ----------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Mail ------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="billing@localhost")
# With EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend every message is
# written to a file in this directory instead of being sent (to inspect what a run sends).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-mail"))

# --- Product ---------------------------------------------------------------------------
# Public base URL used in e-mails for the customer's invoice page (/i/<token>/). Unset, it
# is the address `make run` / `make serve` listen on (they pass SERVER_HOST and
# SERVER_PORT from HOST and PORT); a wildcard bind address is reached as 127.0.0.1.
SERVER_HOST = env.str("SERVER_HOST", default="127.0.0.1")
SERVER_PORT = env.int("SERVER_PORT", default=8000)
_PUBLIC_HOST = "127.0.0.1" if SERVER_HOST in ("0.0.0.0", "::", "[::]") else SERVER_HOST  # noqa: S104
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=f"http://{_PUBLIC_HOST}:{SERVER_PORT}")
EINVOICE_VALIDATE_ON_ISSUE = env.bool("EINVOICE_VALIDATE_ON_ISSUE", default=True)
# Build and store the documents of an issued invoice right after issue (a Celery task);
# off, each is built on its first download instead (the same bytes either way).
DOCUMENTS_STORE_AFTER_ISSUE = env.bool("DOCUMENTS_STORE_AFTER_ISSUE", default=True)
LOGO_MAX_BYTES = env.int("LOGO_MAX_BYTES", default=2 * 1024 * 1024)
LOGO_MAX_PIXELS = env.int("LOGO_MAX_PIXELS", default=4000 * 4000)
# Bounded work per request (docs/ARCHITECTURE.md): the largest draft the API takes, and
# the largest invoice whose documents a web request may build itself (a draft's preview;
# an issued invoice's document not stored yet). Larger ones are built by the Celery task
# (its own time limits) and answer 409 `document_pending` until then.
INVOICE_MAX_LINES = env.int("INVOICE_MAX_LINES", default=2000)
INVOICE_MAX_BYTES = env.int("INVOICE_MAX_BYTES", default=2 * 1024 * 1024)
DOCUMENTS_INLINE_MAX_LINES = env.int("DOCUMENTS_INLINE_MAX_LINES", default=100)
# Web processes of one host rendering at once (the others answer 503 `busy` at once), so
# a burst of previews never holds every gunicorn worker.
DOCUMENTS_INLINE_SLOTS = env.int("DOCUMENTS_INLINE_SLOTS", default=1)
DOCUMENTS_SLOT_DIR = env.str("DOCUMENTS_SLOT_DIR", default="")  # default: the temp dir
DOCUMENTS_TASK_SOFT_TIME_LIMIT = env.int("DOCUMENTS_TASK_SOFT_TIME_LIMIT", default=240)
DOCUMENTS_TASK_TIME_LIMIT = env.int("DOCUMENTS_TASK_TIME_LIMIT", default=300)
DOCUMENTS_TASK_MAX_ATTEMPTS = env.int("DOCUMENTS_TASK_MAX_ATTEMPTS", default=3)
# The first retry of a failed build waits this long, each next one twice as long (≤ 30 min).
DOCUMENTS_TASK_RETRY_SECONDS = env.int("DOCUMENTS_TASK_RETRY_SECONDS", default=60)
# E-mails a staff user may send per day to addresses other than the customer's own.
SEND_LIMIT_PER_USER_DAY = env.int("SEND_LIMIT_PER_USER_DAY", default=50)

# --- Observability -------------------------------------------------------------------
# /metrics (Prometheus): with `Authorization: Bearer <METRICS_TOKEN>`, or from an address
# in METRICS_ALLOWED_IPS (the scraper's; behind nginx, what NUM_PROXIES makes the client).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Several processes (gunicorn workers, Celery children) share their metrics through files
# in this directory (prometheus_client reads the variable when it is first imported,
# after these settings); it must exist before the first metric is created.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from common.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
    )

# --- Logging ---------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FILE = env.str("LOG_FILE", default="")
_log_handlers = ["console"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": _log_handlers, "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
if LOG_FILE:
    Path(LOG_FILE).parent.mkdir(parents=True, exist_ok=True)
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": LOG_FILE,
        "maxBytes": 10 * 1024 * 1024,
        "backupCount": 5,
        "formatter": "plain",
    }
    _log_handlers.append("file")
