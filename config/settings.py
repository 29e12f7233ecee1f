"""Settings, read from the environment through the small helpers below.

Nothing outside ``config/`` reads ``os.environ``.
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
# With DEBUG off, ops' system check refuses to start with one of these (or none).
INSECURE_SECRET_KEYS = {
    "dev-only-insecure-key-change-me",
    "insecure-default-set-SECRET_KEY-in-production",
}
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    # Tests and the embedded default set DEBUG or SECRET_KEY; production must set SECRET_KEY.
    SECRET_KEY = "insecure-default-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "config.admin.BackOfficeAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "simple_history",
    "django_fsm",
    "accounts",
    "notifications",
    "escalations",
    "knowledge",
    "audit",
    "integrations",
    "reports",
    "demo",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "ops",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "ops.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.AuditMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ops.context_processors.clock_banner",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env_str("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the statement (server-side binding), so that psycopg can
    # prepare a statement run DB_PREPARE_THRESHOLD times on one connection: PostgreSQL then
    # plans it once per connection instead of on every run (the case list's six joins and
    # visibility rule took longer to plan than to run). Pays with persistent connections
    # (DB_CONN_MAX_AGE); not through a pooler in transaction mode (DB_SERVER_SIDE_BINDING=0).
    # The dashboard's live queries are never prepared: a generic plan, kept for any number of
    # days, took a minute (reports.rows.planned_for_their_days).
    _server_side_binding = env_bool("DB_SERVER_SIDE_BINDING", default=True)
    _prepare_threshold = int(env_str("DB_PREPARE_THRESHOLD", "5"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": _server_side_binding,
            "prepare_threshold": _prepare_threshold if _server_side_binding else None,
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

LOGIN_URL = "admin:login"

# Audit: the admin's "revert" would bypass the state machine.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Celery: the embedded default needs no server (kombu's SQLAlchemy transport on SQLite).
CELERY_BROKER_URL = env_str(
    "CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
SLA_SWEEP_INTERVAL_SECONDS = float(env_str("SLA_SWEEP_INTERVAL_SECONDS", "30"))
SLA_SWEEP_BATCH_SIZE = int(env_str("SLA_SWEEP_BATCH_SIZE", "500"))
# Sweeps asked to join when a sweep's first batch is full (a burst of breaches): one per other
# worker process (bin/run starts the worker with 2), 0 to sweep in one process only.
SLA_SWEEP_HELPERS = int(env_str("SLA_SWEEP_HELPERS", "1"))
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "escalations.sla_sweep", "schedule": SLA_SWEEP_INTERVAL_SECONDS},
    "deliver-due-notifications": {
        "task": "notifications.deliver_due",
        "schedule": float(env_str("NOTIFICATION_RETRY_INTERVAL_SECONDS", "60")),
    },
}
# No hesitation (issue 20): nudges due are sent by their own sweep, as often as the SLA sweep.
CELERY_BEAT_SCHEDULE["nudge-sweep"] = {
    "task": "escalations.nudge_sweep",
    "schedule": SLA_SWEEP_INTERVAL_SECONDS,
}
# Absences with an until-time end by themselves (accounts.absence): checked every minute.
CELERY_BEAT_SCHEDULE["absence-expire"] = {
    "task": "accounts.absence_expire",
    "schedule": float(env_str("ABSENCE_EXPIRE_INTERVAL_SECONDS", "60")),
}
# Rules whose chain ends with nobody present in the coming week: owners told daily at 07:30.
CELERY_BEAT_SCHEDULE["coverage-check"] = {
    "task": "escalations.coverage_check",
    "schedule": crontab(hour=7, minute=30),
}
# Knowledge base: remind owners of articles past their review date, daily at 08:00 (Asia/Tokyo).
CELERY_BEAT_SCHEDULE["knowledge-repeat-checks"] = {
    "task": "knowledge.check_repeats",
    "schedule": float(env_str("REPEAT_CHECK_INTERVAL_SECONDS", "60")),
}
CELERY_BEAT_SCHEDULE["knowledge-review-reminders"] = {
    "task": "knowledge.notify_review_overdue",
    "schedule": crontab(hour=8, minute=0),
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "escalation@localhost")
# The site's address as people reach it: the links in emails are absolute.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Used to sign webhooks of receivers without a secret of their own (set it in production; with
# DEBUG off the default stops start-up).
INSECURE_WEBHOOK_SECRET = "change-me"
WEBHOOK_DEFAULT_SECRET = env_str("WEBHOOK_DEFAULT_SECRET", INSECURE_WEBHOOK_SECRET)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.throttles.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_THROTTLE_RATE", "1200/min")},
    "DEFAULT_SCHEMA_CLASS": "integrations.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "kit.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["integrations.parsers.JSONParser"],
}
# The API's throttle counts live in the cache: set CACHE_URL (e.g. redis://127.0.0.1:6379/1) so
# that every web process shares them (with Redis in the "live" cache below, read in one round trip
# with the configuration versions: integrations.throttles); without it each process counts on
# its own.
# The "live" cache holds the live notifications' per-user versions (notifications/live.py) and
# the sessions: shared by every process (web, Celery) so that a poll answers 304 with no database
# query. Redis with CACHE_URL, else files in VAR_DIR (the embedded default: runserver + worker).
_REDIS_CACHE = {
    # Django's, with one Redis client per connection pool rather than one per call
    "BACKEND": "kit.redis_cache.RedisCache",
    "LOCATION": env_str("CACHE_URL", ""),
}
_FILE_CACHE = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(VAR_DIR / "live-cache"),
    # one file per session and per version (users, teams): past Django's default 300 entries it
    # deletes a third of them at random, and each deleted version costs its pages a full answer
    "OPTIONS": {"MAX_ENTRIES": 20_000},
}
_LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    "default": _REDIS_CACHE if env_str("CACHE_URL", "") else _LOCAL_CACHE,
    "live": {**(_REDIS_CACHE if env_str("CACHE_URL", "") else _FILE_CACHE), "KEY_PREFIX": "live"},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The bell's unchanged polls answered 304 before Django's middleware (notifications/wsgi.py);
# off only to measure what it saves (bench/live_poll.py).
LIVE_POLL_SHORTCUT = env_bool("LIVE_POLL_SHORTCUT", default=True)
SESSION_CACHE_ALIAS = "live"
# API tokens (integrations): lifetime when the admin gives none.
API_TOKEN_DEFAULT_DAYS = int(env_str("API_TOKEN_DEFAULT_DAYS", "90"))
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Escalation back office API",
    "DESCRIPTION": (
        "Cases, notes, escalations and transitions for integrations (CTI, CRM, chat, web "
        "forms). Same rules as the admin. Errors: "
        '{"code", "detail", "fields"?, "status"?}. '
        "POST accepts an Idempotency-Key header. Webhooks are signed with HMAC-SHA256."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and Swagger UI need a login (token or session) unless API_DOCS_PUBLIC is on.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny"
        if API_DOCS_PUBLIC
        else "rest_framework.permissions.IsAuthenticated"
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "escalations.models.CaseStatus",
        "TierEnum": "accounts.models.Tier",
        "MoodEnum": "escalations.models.Mood",
        "ReasonEnum": "escalations.models.Reason",
        "ChannelEnum": "escalations.models.Channel",
        "PriorityEnum": "escalations.priority.Priority",
        "ImpactEnum": "escalations.priority.Impact",
        "UrgencyEnum": "escalations.priority.Urgency",
        "HoldOutcomeEnum": "escalations.models.HoldOutcome",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.add_webhook_events",  # the webhook event enum
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ops.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # LOG_FORMAT=json: one JSON object per line (python-json-logger).
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if env_str("LOG_FORMAT", "text") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},  # one line per PDF step
}

VAR_DIR.mkdir(parents=True, exist_ok=True)

CELERY_BEAT_SCHEDULE["flow-review-reminders"] = {
    "task": "reports.notify_reviews_due",
    "schedule": crontab(hour=8, minute=5),
}
# API: an Idempotency-Key is remembered this long (a client retries within it), then forgotten
# by a daily task.
IDEMPOTENCY_RETENTION_HOURS = int(env_str("IDEMPOTENCY_RETENTION_HOURS", "24"))
CELERY_BEAT_SCHEDULE["idempotency-purge"] = {
    "task": "integrations.purge_idempotency_records",
    "schedule": crontab(hour=3, minute=15),
}
# Dashboard: roll up the figures of the days that are over (Asia/Tokyo; five minutes past, so that
# the day's last transactions have committed: requests time out after 30 s). Every hour by
# default: the 00:05 run rolls up the day just over, so the page computes yesterday live for five
# minutes a night (about 0.7 s more at 1,000,000 cases, bench/README.md); the others find nothing
# to do (one query) unless the workers were down at 00:05, so
# a missed night is made up within the hour instead of slowing the dashboard until the next one.
CELERY_BEAT_SCHEDULE["reports-daily-rollup"] = {
    "task": "reports.rollup_finished_days",
    "schedule": crontab(
        hour=env_str("REPORTS_ROLLUP_HOUR", "*"),
        minute=int(env_str("REPORTS_ROLLUP_MINUTE", "5")),
    ),
}

# --- Production (issue 19): behind a TLS proxy, static files, health, metrics, alerts ---------
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=False)
SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    # The TLS proxy sets X-Forwarded-Proto (and strips it from what clients send).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers and Prometheus probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# SERVE_STATIC=1 (bin/serve, deploy/): WhiteNoise serves collectstatic's hashed, compressed
# files with far-future cache headers, so no separate web server is needed.
SERVE_STATIC = env_bool("SERVE_STATIC", default=False)
if SERVE_STATIC:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(STATIC_ROOT)))

# The SLA clock: the banner (managers, administrators) and /readyz when READYZ_INCLUDES_CLOCK.
# A sweep older than three SLA_SWEEP_INTERVAL_SECONDS means the clock stopped.
OPS_NOTIFICATION_STUCK_SECONDS = int(env_str("OPS_NOTIFICATION_STUCK_SECONDS", "600"))
OPS_FAILED_DELIVERY_WINDOW_HOURS = int(env_str("OPS_FAILED_DELIVERY_WINDOW_HOURS", "24"))
READYZ_INCLUDES_CLOCK = env_bool("READYZ_INCLUDES_CLOCK", default=False)
READYZ_BROKER_TIMEOUT_SECONDS = float(env_str("READYZ_BROKER_TIMEOUT_SECONDS", "2"))
# Email the administrators once per clock incident (sent from the web side, by /readyz).
OPS_INCIDENT_EMAILS = env_bool("OPS_INCIDENT_EMAILS", default=True)

# /metrics (Prometheus): a bearer token, or the scraper's address; anyone else gets 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
# Several gunicorn workers: a directory shared by them (bin/serve sets and empties it).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")

# Error reporting (optional): sentry-sdk when SENTRY_DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from config.observability import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"))
# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed logins for one account, or
# from one address, that account or address is locked for LOGIN_LOCKOUT_MINUTES; an
# administrator unlocks it earlier by deleting its row under "Axes > Access attempts". Failed
# API tokens are counted per address in the cache (integrations.authentication).
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked account or address first
    "accounts.backends.CachedModelBackend",  # ModelBackend, permissions kept per process
]
AXES_FAILURE_LIMIT = int(env_str("LOGIN_FAILURE_LIMIT", "10"))
LOGIN_LOCKOUT_MINUTES = int(env_str("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False  # a login of one's own account must not clear an address's count

# Webhooks go only to http(s) URLs outside this machine and the private network (loopback,
# private, link-local ranges), checked on save and before each delivery; tests and the demo
# receiver on 127.0.0.1 turn this on.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)

# The flow PDF (WeasyPrint) takes a web worker for a second or more: at most this many are
# rendered at once on one machine; more get a "busy, retry" page (503 with Retry-After).
FLOW_PDF_CONCURRENCY = int(env_str("FLOW_PDF_CONCURRENCY", "2"))

# Content-Security-Policy (django-csp): scripts only from this site (no inline script or
# handler anywhere: the admin, the dashboard, the flow page and Swagger UI's split view load
# files); inline styles are allowed (the admin and our templates use style attributes).
MIDDLEWARE.append("csp.middleware.CSPMiddleware")
INSTALLED_APPS.append("csp")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

# A login lasts SESSION_COOKIE_AGE_HOURS (8 by default: one working day), not Django's two
# weeks; the browser forgets the session when it is closed only if asked to.
SESSION_COOKIE_AGE = int(float(env_str("SESSION_COOKIE_AGE_HOURS", "8")) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)
