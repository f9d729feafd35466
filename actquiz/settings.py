"""ActQuiz settings: every knob comes from the environment.

Defaults are safe: DEBUG is off unless ``DEBUG=1`` is set (``./run demo`` sets it), and
with DEBUG off a missing ``SECRET_KEY`` stops the web server from starting. SQLite under ``var/`` and Redis
on localhost are the local defaults; production sets the variables listed in
``.env.example``.
"""

from __future__ import annotations

import os
import secrets
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_str(name: str, default: str = "") -> str:
    """Return environment variable ``name`` as a string, or ``default`` when unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Return environment variable ``name`` read as a boolean (1/true/yes/on)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {raw!r}")


def env_int(name: str, default: int) -> int:
    """Return environment variable ``name`` as an integer, or ``default`` when unset."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    """Return environment variable ``name`` split on commas, blanks dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Return secret ``name`` from the environment, or from the file named by ``name_FILE``.

    The ``_FILE`` form lets Docker secrets and Kubernetes volumes hand over a secret
    without putting it into the process environment.
    """
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} is not readable") from exc
    return os.environ.get(name, default)


# Off unless asked for: a DEBUG error page shows settings and the environment.
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
# Without a configured key: the fixed development key with DEBUG, else a random key
# for this process only. Commands (`grade`, `migrate`, the tests) work either way;
# the web server refuses to start on a per-process key (actquiz/wsgi.py), since its
# sessions and CSRF tokens would not survive a restart or hold across workers.
SECRET_KEY_IS_EPHEMERAL = not SECRET_KEY and not DEBUG
if not SECRET_KEY:
    SECRET_KEY = (
        "dev-only-insecure-key-do-not-use-in-production" if DEBUG else secrets.token_urlsafe(50)
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Only for its static files: the ACE editor the exercise page loads.
    "django_ace",
    "exercises",
    "lms",
    "apitokens",
    "webhooks",
]

MIDDLEWARE = [
    # First: times and counts every request (GET /metrics), names its submission in logs.
    "actquiz.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself, with or without DEBUG (no separate file server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session and CSRF middleware: marks their cookies Partitioned.
    "lms.cookies.PartitionedCookieMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of pages and API verdicts: the actquiz_lang cookie, else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A login refused by the failed-login limits answers 429 with Retry-After.
    "actquiz.login_limits.LoginLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After XFrameOptions: lets the LMS that launched a session frame its pages.
    "lms.framing.LtiFramingMiddleware",
]

ROOT_URLCONF = "actquiz.urls"
WSGI_APPLICATION = "actquiz.wsgi.application"

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

_default_database_url = f"sqlite:///{VAR_DIR / 'actquiz.sqlite3'}"
DATABASE_URL = env_secret("DATABASE_URL", _default_database_url)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite creates the file but not its folder; a fresh clone has no var/ yet.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Wait for a concurrent writer (web tier and sweeper) instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # IMMEDIATE: a transaction takes the write lock when it begins. SQLite's default
    # (deferred) fails at once with "database is locked" when a transaction that read
    # first tries to write while another one writes (concurrent submissions did).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
else:
    # An unreachable database must fail fast, not hang a request or `manage.py grade`.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Password checks count failures per account and per address (actquiz/login_limits.py).
AUTHENTICATION_BACKENDS = ["actquiz.login_limits.RateLimitedModelBackend"]
ACTQUIZ_LOGIN_WINDOW_SECONDS = env_int("ACTQUIZ_LOGIN_WINDOW_SECONDS", 15 * 60)
ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT = env_int("ACTQUIZ_LOGIN_FAILURES_PER_ACCOUNT", 10)
# A whole class may log in from one NAT address, typos included: far above one person's.
ACTQUIZ_LOGIN_FAILURES_PER_IP = env_int("ACTQUIZ_LOGIN_FAILURES_PER_IP", 100)

AUTH_PASSWORD_VALIDATORS = [
    # "alice.kim1" for user alice.kim is refused as too similar to the username.
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
# The page's language switch sets this cookie; LocaleMiddleware reads it on every request.
LANGUAGE_COOKIE_NAME = "actquiz_lang"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# WhiteNoise serves STATIC_ROOT (filled by `collectstatic` in the image) and, through
# the finders, the apps' own static folders, so a checkout serves its pages with
# DEBUG off before any collectstatic. Files are not renamed by content hash: a
# template never depends on a manifest that a fresh checkout would not have.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# A checkout has no STATIC_ROOT until collectstatic, and needs none (the finders above).
warnings.filterwarnings("ignore", message="No directory at: ")

LOGIN_URL = "/admin/login/"

# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto, so the submission
# "url" fields and redirects say https. Opt-in: without such a proxy a client could
# set the header itself.
if env_bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Cookies travel only over HTTPS unless DEBUG is on or the operator says otherwise.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Pages launched from an LMS run in its iframe (a third-party context): there the
# browser sends cookies only when they are SameSite=None, which requires Secure.
# On by default wherever cookies are Secure (HTTPS).
ACTQUIZ_CROSS_SITE_COOKIES = env_bool(
    "ACTQUIZ_CROSS_SITE_COOKIES", SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE
)
if ACTQUIZ_CROSS_SITE_COOKIES:
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"
# ...and Partitioned (CHIPS, lms/cookies.py), so browsers that block third-party
# cookies keep them in the LMS frame too.
ACTQUIZ_PARTITIONED_COOKIES = env_bool("ACTQUIZ_PARTITIONED_COOKIES", ACTQUIZ_CROSS_SITE_COOKIES)
# HTTPS redirect and HSTS are on by default in production; while trying the stack over
# plain HTTP, turn them off (SECURE_SSL_REDIRECT=0, SESSION/CSRF_COOKIE_SECURE=0).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Calls inside the private network stay plain HTTP: health checks, the metrics scrape
# and the workers' token-authenticated result posts.
SECURE_REDIRECT_EXEMPT = [
    r"^healthz$",
    r"^metrics$",
    r"^api/v1/submissions/\d+/(started|result)/$",
    r"^api/v1/runs/\d+/result/$",
]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is a site owner's choice that is hard to undo, not a default: its check
# (W021) only reminds of it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Behind this many reverse proxies, the client's address is that many hops from the
# end of X-Forwarded-For (throttles and login limits key on it); 0 trusts no header.
ACTQUIZ_TRUSTED_PROXIES = env_int("ACTQUIZ_TRUSTED_PROXIES", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apitokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Only JSON: a form or multipart body gets a 415, and our parser caps the size.
    "DEFAULT_PARSER_CLASSES": ["actquiz.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "actquiz.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "submissions": env_str("ACTQUIZ_SUBMISSION_RATE", "60/min"),
        # Runs on the visible tests cost a grading run each but count no attempt.
        "runs": env_str("ACTQUIZ_RUN_RATE", "30/min"),
        # Per user; a regrade of a whole exercise is one request, however large.
        "regrades": env_str("ACTQUIZ_REGRADE_RATE", "30/min"),
        # The author page previews a prompt about once a second while someone types.
        "previews": env_str("ACTQUIZ_PREVIEW_RATE", "120/min"),
    },
    "NUM_PROXIES": ACTQUIZ_TRUSTED_PROXIES or None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# The OpenAPI schema at /api/v1/schema/, generated from the views; Swagger UI and ReDoc
# are served from the sidecar package's static files (no CDN).
SPECTACULAR_SETTINGS = {
    "TITLE": "ActQuiz API",
    "DESCRIPTION": (
        "Activation-function exercises graded in a sandbox. Authenticate with "
        "`Authorization: Token <secret>`, a named, expiring token issued at "
        "`POST /api/v1/tokens/` (or by `manage.py api_token create`). Errors are always "
        '`{"error": {"code", "message", "fields"?}}` with a 4xx status. Lists answer a '
        "plain JSON list; `?limit=&offset=` pages them, with `X-Total-Count` and `Link` "
        '(`rel="next"`, `rel="prev"`) headers.\n\n'
        "Outside this schema (not REST operations, linked from `GET /api/v1/`): the LTI "
        "1.3 endpoints an LMS is given, `/lti/login/` (OIDC login initiation, GET or "
        "POST), `/lti/launch/` (the id_token form post; resource links), "
        "`/lti/deep-link/` (deep linking requests), `/lti/jwks/` (the tool's public "
        "keys, JSON); and `GET /healthz` (JSON, no authentication: 200 when the "
        "database and Redis answer, else 503, with the grading queue's depth)."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ExerciseKindEnum": "exercises.models.Exercise.Kind",
        "ApiTokenStateEnum": "apitokens.models.ApiToken.State",
        "WebhookDeliveryStateEnum": "webhooks.models.WebhookDelivery.State",
    },
}

# ActQuiz knobs.
ACTQUIZ_API_URL = env_str("ACTQUIZ_API_URL", "http://127.0.0.1:8000")
ACTQUIZ_GRADER_TOKEN = env_secret("ACTQUIZ_GRADER_TOKEN")
ACTQUIZ_GRADER_GROUP = "graders"
# API tokens (apitokens/): lifetime when the owner names none, and the longest allowed.
ACTQUIZ_API_TOKEN_DEFAULT_DAYS = env_int("ACTQUIZ_API_TOKEN_DEFAULT_DAYS", 90)
ACTQUIZ_API_TOKEN_MAX_DAYS = env_int("ACTQUIZ_API_TOKEN_MAX_DAYS", 365)
# After the grader token changes, workers holding the previous one keep working this long.
ACTQUIZ_GRADER_TOKEN_OVERLAP_MINUTES = env_int("ACTQUIZ_GRADER_TOKEN_OVERLAP_MINUTES", 60)
ACTQUIZ_GRADING_QUEUE = env_str("ACTQUIZ_GRADING_QUEUE", "grading")
ACTQUIZ_MAX_CODE_BYTES = env_int("ACTQUIZ_MAX_CODE_BYTES", 64 * 1024)
ACTQUIZ_MAX_ANSWER_BYTES = env_int("ACTQUIZ_MAX_ANSWER_BYTES", 16 * 1024)
# Submissions one user may have queued or running at once (429 beyond).
ACTQUIZ_MAX_PENDING_PER_USER = env_int("ACTQUIZ_MAX_PENDING_PER_USER", 20)
# Requests one web process lets wait for a verdict at once (GET ...?wait=); keep it
# below gunicorn's --threads so pages are served while others wait. 0: never wait.
ACTQUIZ_LONG_POLL_SLOTS = env_int("ACTQUIZ_LONG_POLL_SLOTS", 6)
# Runs (visible tests, dry runs) one user may have waiting for a grader at once.
ACTQUIZ_MAX_PENDING_RUNS_PER_USER = env_int("ACTQUIZ_MAX_PENDING_RUNS_PER_USER", 3)
# Any API body: code plus JSON escaping (up to 6 bytes per character), or a
# worker's verdict with captured output.
ACTQUIZ_MAX_REQUEST_BYTES = env_int("ACTQUIZ_MAX_REQUEST_BYTES", 1024 * 1024)
ACTQUIZ_CATALOG_DIR = Path(env_str("ACTQUIZ_CATALOG_DIR", str(BASE_DIR / "exercises" / "catalog")))
# A queued submission never handed to the broker is re-sent after this long.
ACTQUIZ_REQUEUE_UNSENT_AFTER_SECONDS = env_int("ACTQUIZ_REQUEUE_UNSENT_AFTER_SECONDS", 30)
# Deliveries (a worker began grading) one submission may have; one that stopped the
# grader this many times (its worker died each time) is failed instead of run again.
ACTQUIZ_MAX_DELIVERIES = env_int("ACTQUIZ_MAX_DELIVERIES", 3)
# An exercise validation no worker reported on within this long is failed (its worker
# died or the message was lost), so the author can validate again.
ACTQUIZ_VALIDATION_TIMEOUT_SECONDS = env_int("ACTQUIZ_VALIDATION_TIMEOUT_SECONDS", 600)

# Celery: the broker is Redis; results come back through the REST API, so no backend.
REDIS_URL = env_secret("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL


def _redis_database(url: str, index: int) -> str:
    # The same server, another database number: redis://host:6379/0 -> .../1.
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{index}"))


# The shared cache (throttles, pending cap, login limits): Redis database 1 of the
# broker's server unless given, every key under ACTQUIZ_CACHE_PREFIX. Short socket
# timeouts: a dead Redis must not hang requests (the cache then fails open).
ACTQUIZ_CACHE_URL = env_secret("ACTQUIZ_CACHE_URL", _redis_database(REDIS_URL, 1))
CACHES = {
    "default": {
        "BACKEND": "actquiz.cache.SharedRedisCache",
        "LOCATION": ACTQUIZ_CACHE_URL,
        "KEY_PREFIX": env_str("ACTQUIZ_CACHE_PREFIX", "actquiz"),
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = ACTQUIZ_GRADING_QUEUE
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 120)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", CELERY_TASK_TIME_LIMIT - 10)
# At-least-once delivery: a task is acknowledged only after it ran, and a worker that
# dies mid-task hands it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each pool process starts its sandbox (a torch zygote, ~2 s, more on a loaded machine)
# before it reports ready; Celery's default of 4 s would kill it mid-start.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env_int("CELERY_WORKER_PROC_ALIVE_TIMEOUT", 60)
# Redis redelivers an unacknowledged task after the visibility timeout; it must exceed
# the longest a task may run, or a slow grading would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 3 + 60),
    "socket_connect_timeout": 3,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A submission ``running`` this long after its delivery began has lost its worker (the
# time limit would have ended the task): the sweep sends it again as a new attempt.
ACTQUIZ_REQUEUE_RUNNING_AFTER_SECONDS = env_int(
    "ACTQUIZ_REQUEUE_RUNNING_AFTER_SECONDS", CELERY_TASK_TIME_LIMIT + 60
)
# The web tier must not hang on a dead broker: a few quick retries, then the
# submission stays queued and the requeue sweep sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

# Sandbox layers (graders/sandbox/README.md) the operator accepts running without, e.g.
# "landlock" on a kernel older than 6.7. Empty by default: a worker refuses to grade
# with a layer missing rather than quietly run hostile code with less isolation.
ACTQUIZ_SANDBOX_ALLOW_MISSING_LAYERS = frozenset(env_list("ACTQUIZ_SANDBOX_ALLOW_MISSING_LAYERS"))
# Start each worker process's sandbox (zygote: numpy + torch, ~270 MB) when the process
# starts rather than on its first job.
ACTQUIZ_SANDBOX_WARM_START = env_bool("ACTQUIZ_SANDBOX_WARM_START", True)
# Load the embedding model for text answers (~10 s, ~0.5 GB) in the background when each
# worker process starts, so no student waits for it. Turn off for a worker whose queue
# grades no text answers.
ACTQUIZ_TEXT_MODEL_WARM_START = env_bool("ACTQUIZ_TEXT_MODEL_WARM_START", True)

# Workers write results back over HTTP (graders/client.py): a few quick tries per
# call, then the task re-schedules itself with exponential backoff. The longest
# countdown stays below the visibility timeout, or Redis would hand the waiting
# retry to a second worker.
ACTQUIZ_RESULT_HTTP_TIMEOUT = env_int("ACTQUIZ_RESULT_HTTP_TIMEOUT", 10)
ACTQUIZ_RESULT_HTTP_ATTEMPTS = env_int("ACTQUIZ_RESULT_HTTP_ATTEMPTS", 3)
ACTQUIZ_RESULT_HTTP_BACKOFF = float(env_str("ACTQUIZ_RESULT_HTTP_BACKOFF", "0.5"))
ACTQUIZ_RESULT_RETRY_BACKOFF = float(env_str("ACTQUIZ_RESULT_RETRY_BACKOFF", "2"))
ACTQUIZ_RESULT_RETRY_BACKOFF_MAX = min(
    float(env_str("ACTQUIZ_RESULT_RETRY_BACKOFF_MAX", "120")),
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2,
)
ACTQUIZ_RESULT_MAX_RETRIES = env_int("ACTQUIZ_RESULT_MAX_RETRIES", 12)
# A first delivery tells the web tier it has started only once grading has taken this
# long: most gradings finish sooner, and their result alone says it all (one request
# fewer per submission). A broker redelivery reports before grading, so the delivery
# cap counts it before the student's code runs again.
ACTQUIZ_STARTED_REPORT_AFTER_SECONDS = float(
    env_str("ACTQUIZ_STARTED_REPORT_AFTER_SECONDS", "0.25")
)

# LTI 1.3 (lms/). The public base URL builds every URL given to an LMS.
ACTQUIZ_PUBLIC_URL = env_str("ACTQUIZ_PUBLIC_URL", "http://127.0.0.1:8000")
# Grade passback tasks: a web-side worker with database access consumes this queue.
ACTQUIZ_LMS_QUEUE = env_str("ACTQUIZ_LMS_QUEUE", "lms")
ACTQUIZ_LMS_RETRY_BACKOFF = float(env_str("ACTQUIZ_LMS_RETRY_BACKOFF", "5"))
ACTQUIZ_LMS_RETRY_BACKOFF_MAX = float(env_str("ACTQUIZ_LMS_RETRY_BACKOFF_MAX", "600"))
ACTQUIZ_LMS_MAX_RETRIES = env_int("ACTQUIZ_LMS_MAX_RETRIES", 15)
ACTQUIZ_LTI_HTTP_TIMEOUT = env_int("ACTQUIZ_LTI_HTTP_TIMEOUT", 10)
# Clock difference tolerated on id_token exp/iat (Moodle's tokens live 60 s).
ACTQUIZ_LTI_LEEWAY_SECONDS = env_int("ACTQUIZ_LTI_LEEWAY_SECONDS", 10)
# How long a login's state and nonce wait for the platform's launch post.
ACTQUIZ_LTI_STATE_MAX_AGE = env_int("ACTQUIZ_LTI_STATE_MAX_AGE", 600)
ACTQUIZ_LTI_DEEP_LINK_MAX_AGE = env_int("ACTQUIZ_LTI_DEEP_LINK_MAX_AGE", 3600)
ACTQUIZ_LTI_JWKS_TTL_SECONDS = env_int("ACTQUIZ_LTI_JWKS_TTL_SECONDS", 3600)
# An unknown kid re-fetches the platform's JWKS at most this often.
ACTQUIZ_LTI_JWKS_REFETCH_SECONDS = env_int("ACTQUIZ_LTI_JWKS_REFETCH_SECONDS", 10)

# GET /metrics (Prometheus): allowed with `Authorization: Bearer <token>` when a token is
# set, or from these addresses/networks (the scraper's), loopback by default.
ACTQUIZ_METRICS_TOKEN = env_secret("ACTQUIZ_METRICS_TOKEN")
ACTQUIZ_METRICS_ALLOW = env_list("ACTQUIZ_METRICS_ALLOW", "127.0.0.1/32,::1/128")
# Webhooks (webhooks/): delivered by the web-side worker with the database.
ACTQUIZ_WEBHOOK_QUEUE = env_str("ACTQUIZ_WEBHOOK_QUEUE", ACTQUIZ_LMS_QUEUE)
ACTQUIZ_WEBHOOK_TIMEOUT = env_int("ACTQUIZ_WEBHOOK_TIMEOUT", 10)
ACTQUIZ_WEBHOOK_RETRY_BACKOFF = float(env_str("ACTQUIZ_WEBHOOK_RETRY_BACKOFF", "10"))
ACTQUIZ_WEBHOOK_RETRY_BACKOFF_MAX = float(env_str("ACTQUIZ_WEBHOOK_RETRY_BACKOFF_MAX", "3600"))
ACTQUIZ_WEBHOOK_MAX_RETRIES = env_int("ACTQUIZ_WEBHOOK_MAX_RETRIES", 10)
# Off in production: a course's URL must not reach loopback, private or link-local
# addresses (the database, the metadata service). The demo (DEBUG) allows them.
ACTQUIZ_WEBHOOK_ALLOW_PRIVATE = env_bool("ACTQUIZ_WEBHOOK_ALLOW_PRIVATE", DEBUG)

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# "json": one JSON object per line with the submission id (actquiz/logs.py); "plain".
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "actquiz.logs.JsonFormatter"},
    },
    # Always stderr: `manage.py grade --json` keeps stdout for its one JSON object.
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False}},
}
