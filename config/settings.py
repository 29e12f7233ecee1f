"""Settings, read from the environment through the small helpers below.

Nothing outside ``config/`` reads ``os.environ``.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
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
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.AuditMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
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
# Knowledge base: remind owners of articles past their review date, daily at 08:00 (Asia/Tokyo).
CELERY_BEAT_SCHEDULE["knowledge-review-reminders"] = {
    "task": "knowledge.notify_review_overdue",
    "schedule": crontab(hour=8, minute=0),
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "escalation@localhost")
# The site's address as people reach it: the links in emails are absolute.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
WEBHOOK_TIMEOUT_SECONDS = float(env_str("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Used to sign webhooks of receivers without a secret of their own (set it in production).
WEBHOOK_DEFAULT_SECRET = env_str("WEBHOOK_DEFAULT_SECRET", "change-me")

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
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
# The API's throttle counts live in the cache: set CACHE_URL (e.g. redis://127.0.0.1:6379/1) so
# that every web process shares them; without it each process counts on its own.
# The "live" cache holds the live notifications' per-user versions (notifications/live.py) and
# the sessions: shared by every process (web, Celery) so that a poll answers 304 with no database
# query. Redis with CACHE_URL, else files in VAR_DIR (the embedded default: runserver + worker).
_REDIS_CACHE = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": env_str("CACHE_URL", ""),
}
_FILE_CACHE = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(VAR_DIR / "live-cache"),
}
_LOCAL_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    "default": _REDIS_CACHE if env_str("CACHE_URL", "") else _LOCAL_CACHE,
    "live": {**(_REDIS_CACHE if env_str("CACHE_URL", "") else _FILE_CACHE), "KEY_PREFIX": "live"},
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "live"
# API tokens (integrations): lifetime when the admin gives none.
API_TOKEN_DEFAULT_DAYS = int(env_str("API_TOKEN_DEFAULT_DAYS", "90"))
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
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
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
# Dashboard: roll up the figures of the days that are over (Asia/Tokyo; at half past, so that the
# day's last transactions have committed). Every hour by default: the 00:30 run rolls up the day
# just over; the others find nothing to do (one query) unless the workers were down at 00:30, so
# a missed night is made up within the hour instead of slowing the dashboard until the next one.
CELERY_BEAT_SCHEDULE["reports-daily-rollup"] = {
    "task": "reports.rollup_finished_days",
    "schedule": crontab(
        hour=env_str("REPORTS_ROLLUP_HOUR", "*"),
        minute=int(env_str("REPORTS_ROLLUP_MINUTE", "30")),
    ),
}
