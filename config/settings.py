"""Django settings for Wegweiser, read from the environment (see .env.example)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean ``default``."""
    return os.environ.get(name) or default


VAR_DIR = BASE_DIR / env(
    "WEGWEISER_VAR_DIR", "var"
)  # an absolute value wins over BASE_DIR


def _env_file_load(path: Path) -> None:
    """Adopt ``NAME=value`` lines of ``path`` for variables not set (non-empty) here."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name or name.startswith("#") or os.environ.get(name):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ[name] = value


# What a running `make run` or `make serve` set (var/run.env: its port, database,
# search engine, mailbox, SITE_URL, …; removed when it stops), then the local
# configuration (.env, which `make run` writes on its first start). So a command typed
# in a second terminal (`python manage.py …` from the project root) works without
# exporting anything and renders, sends and indexes like the running site. Variables
# set in the environment win over both. WEGWEISER_ENV_FILE names another file (the
# tests use /dev/null, so a developer's .env cannot leak into them).
_env_file_load(VAR_DIR / "run.env")
_env_file_load(BASE_DIR / env("WEGWEISER_ENV_FILE", ".env"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    key = env("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DJANGO_DEBUG is off (see .env.example)."
        )
    # Local use only: keep one generated key per checkout so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
# Old keys still accepted for signatures (sessions, links in mails already sent) while
# a new SECRET_KEY takes over: put the old key here when rotating.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
PORT = int(env("PORT", "8000"))

INSTALLED_APPS = [
    # modeltranslation must come before django.contrib.admin and the apps it
    # translates; wagtail_modeltranslation.migrate replaces `migrate` so Wagtail's
    # page table gets the per-language columns (run it with --noinput).
    "wagtail_modeltranslation",
    "wagtail_modeltranslation.makemigrations",
    "wagtail_modeltranslation.migrate",
    "modeltranslation",
    "directory.apps.DirectoryConfig",
    "hsds.apps.HsdsConfig",
    "demo.apps.DemoConfig",
    "search.apps.SearchConfig",
    "newsletter.apps.NewsletterConfig",
    "operations.apps.OperationsConfig",
    "accounts.apps.AccountsConfig",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "api.apps.ApiConfig",
    "rest_framework",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "operations.requests.RequestIdMiddleware",
    "operations.views.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "operations.headers.SecurityHeadersMiddleware",
    # CORS for the public APIs only (CORS_URLS_REGEX), before anything answers.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "directory.middleware.DirectoryLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Answers a lockout during sign-in with accounts/locked_out.html (see accounts/).
    "axes.middleware.AxesMiddleware",
    # Below the middleware that decorate answers: cached ones get their headers too.
    "operations.pagecache.PageCacheMiddleware",
    # Innermost: admin POSTs in one transaction, rolled back on a server error.
    "operations.transactions.AdminAtomicMiddleware",
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
                "directory.context_processors.languages",
            ],
        },
    },
]

VAR_DIR_DB = VAR_DIR / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR_DB}"),
        # Connections are reused for this many seconds and checked before reuse, so
        # a restarted database or a connection pooler costs one failed ping, not a 500.
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
        # Behind PgBouncer in transaction mode, server-side cursors cannot work.
        disable_server_side_cursors=env_bool(
            "DATABASE_DISABLE_SERVER_SIDE_CURSORS", False
        ),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web requests, the task worker and commands write at the same time: readers
    # never block the writer (WAL), a writer waits for the lock instead of failing,
    # and write transactions take the lock up front so they cannot deadlock.
    # synchronous=NORMAL: commits survive a crash of any process (only a power cut
    # can lose the last ones) and cost far less (the newsletter commits per message).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Shared cache --------------------------------------------------------------------
# Every app server and worker must see the same cache: a coordinator's synonym edit,
# cached labels and the newsletter's rate limits reach all processes at once. Redis
# when REDIS_URL is set (extra "redis"), else the database (table made by migrate).
# CACHE_URL=locmem:// keeps it in each process (tests; one process only).
_cache_url = env("CACHE_URL", env("REDIS_URL", "db://"))
CACHES: dict[str, dict[str, Any]]
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "wegweiser"),
        }
    }
elif _cache_url == "db://":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "wegweiser_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
elif _cache_url == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL {_cache_url!r}: use db://, locmem:// or a redis:// URL."
    )

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The first refuses sign-ins during a lockout (AXES_* below) before the password is
# even checked.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Languages --------------------------------------------------------------------
# German is the source language. Django lacks Pashto and Tigrinya; teach it their names
# and direction so /ps/ and /ti/ URLs work (each also ships a catalogue in locales/).
LANG_INFO.update(
    {
        "ps": {"bidi": True, "code": "ps", "name": "Pashto", "name_local": "پښتو"},
        "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
    }
)
LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", _("German")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("fa", _("Persian")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("tr", _("Turkish")),
    ("ps", _("Pashto")),
    ("ckb", _("Central Kurdish")),
    ("ti", _("Tigrinya")),
    ("fr", _("French")),
]
LANGUAGES_BIDI = ["he", "ar", "ar-dz", "ckb", "fa", "ps", "ur"]
LOCALE_PATHS = [BASE_DIR / "locales"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Berlin"

MODELTRANSLATION_DEFAULT_LANGUAGE = "de"
# Untranslated fields show German; where English is configured as an intermediate
# fallback (WEGWEISER_FALLBACK_LANGUAGES=en,de) readers see English first.
MODELTRANSLATION_FALLBACK_LANGUAGES = tuple(
    env_list("WEGWEISER_FALLBACK_LANGUAGES", "de")
)
MODELTRANSLATION_TRANSLATION_FILES = ("directory.translation", "newsletter.translation")
WAGTAILMODELTRANSLATION_TRANSLATE_SLUGS = False
WAGTAILMODELTRANSLATION_LOCALE_PICKER = True
WAGTAILMODELTRANSLATION_LOCALE_PICKER_DEFAULT = ("de",)

# --- Static and media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
# Uploads on S3-compatible storage (extra "s3", django-storages) when several app
# servers must share them; otherwise the folder MEDIA_ROOT (a shared mount at scale).
MEDIA_S3_BUCKET = env("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": env("MEDIA_S3_REGION") or None,
            "access_key": env("MEDIA_S3_ACCESS_KEY") or None,
            "secret_key": env("MEDIA_S3_SECRET_KEY") or None,
            "custom_domain": env("MEDIA_S3_CUSTOM_DOMAIN") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": env_bool("MEDIA_S3_SIGNED_URLS", False),
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Django itself answers /media/ when debugging, or with SERVE_MEDIA=1 (`make serve`
# without a proxy); at scale the reverse proxy or the S3 bucket serves uploads.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG) and not MEDIA_S3_BUCKET
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Wagtail -------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Wegweiser"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{PORT}")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_PERMITTED_LANGUAGES = [("de", "Deutsch"), ("en", "English")]
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "txt"]
# Documents only through /documents/<id>/<name>, where Wagtail checks the collection's
# privacy and directory.wagtail_hooks asks for a login unless a live public page
# refers to the document; their files under /media/documents/ are never served.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# --- Background tasks ---------------------------------------------------------------
TASKS = {
    "default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}
}

# --- Email ---------------------------------------------------------------------------
# EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…, console:, file:///path) wins over
# EMAIL_HOST/EMAIL_PORT; with neither, mail is written to the console.
_email_url = env("EMAIL_URL", "")
if _email_url:
    from urllib.parse import unquote, urlsplit

    _parts = urlsplit(_email_url)
    if _parts.scheme == "console":
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    elif _parts.scheme == "file":
        EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
        EMAIL_FILE_PATH = _parts.path
    elif _parts.scheme in {"smtp", "smtp+tls", "smtps"}:
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        EMAIL_HOST = _parts.hostname or "localhost"
        EMAIL_PORT = _parts.port or (465 if _parts.scheme == "smtps" else 25)
        EMAIL_HOST_USER = unquote(_parts.username or "")
        EMAIL_HOST_PASSWORD = unquote(_parts.password or "")
        EMAIL_USE_TLS = _parts.scheme == "smtp+tls"
        EMAIL_USE_SSL = _parts.scheme == "smtps"
    else:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {_parts.scheme!r} is not supported."
        )
elif env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(env("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "wegweiser@localhost")
# Seconds an SMTP exchange may hang before it counts as failed (well below the
# newsletter's NEWSLETTER_CLAIM_SECONDS / 3, so a stuck server never costs a claim).
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))

# --- Newsletter (see newsletter/) ---------------------------------------------------
# Absolute links in mails and the List-Unsubscribe header start with this address.
SITE_URL = env("SITE_URL", WAGTAILADMIN_BASE_URL).rstrip("/")
NEWSLETTER_FROM_EMAIL = env("NEWSLETTER_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# The mailto: half of List-Unsubscribe (RFC 8058 asks for an https URL; mailto is
# the fallback for old clients).
NEWSLETTER_UNSUBSCRIBE_EMAIL = env(
    "NEWSLETTER_UNSUBSCRIBE_EMAIL", NEWSLETTER_FROM_EMAIL
)
# Who sends the newsletter, printed in every issue's footer (German law asks for the
# sender's name and postal address), e.g. "Landratsamt Auental, Integrationsbüro,
# Marktplatz 1, 86733 Auenstadt, integration@auental.example".
NEWSLETTER_IMPRINT = env("NEWSLETTER_IMPRINT", "")
# Messages per second over all workers; 0 = as fast as the SMTP server takes them.
NEWSLETTER_RATE = float(env("NEWSLETTER_RATE", "0"))
# Parallel sending tasks started per issue (each needs a worker process).
NEWSLETTER_WORKERS = int(env("NEWSLETTER_WORKERS", "1"))
# Messages a worker claims at once, and how long its claim holds: rows a killed
# worker held go back to the queue after this many seconds.
NEWSLETTER_BATCH_SIZE = int(env("NEWSLETTER_BATCH_SIZE", "100"))
NEWSLETTER_CLAIM_SECONDS = float(env("NEWSLETTER_CLAIM_SECONDS", "120"))
# Temporary SMTP failures: attempts per message, and consecutive failures after which
# the issue stops and coordinators are told.
NEWSLETTER_MAX_ATTEMPTS = int(env("NEWSLETTER_MAX_ATTEMPTS", "5"))
NEWSLETTER_RETRY_SECONDS = float(env("NEWSLETTER_RETRY_SECONDS", "60"))
NEWSLETTER_STOP_AFTER_ERRORS = int(env("NEWSLETTER_STOP_AFTER_ERRORS", "20"))
# Soft bounces after which an address is suppressed.
NEWSLETTER_SOFT_BOUNCE_LIMIT = int(env("NEWSLETTER_SOFT_BOUNCE_LIMIT", "3"))
# Unconfirmed sign-ups are deleted after this many days (no reminder is sent).
NEWSLETTER_CONFIRM_DAYS = int(env("NEWSLETTER_CONFIRM_DAYS", "7"))
# IP address in the consent record: "full", "truncated" (/24, /48) or "none".
NEWSLETTER_CONSENT_IP = env("NEWSLETTER_CONSENT_IP", "truncated")
# Sign-ups per IP address per hour, and mails per address per day.
NEWSLETTER_SIGNUPS_PER_IP = int(env("NEWSLETTER_SIGNUPS_PER_IP", "10"))
NEWSLETTER_MAILS_PER_ADDRESS = int(env("NEWSLETTER_MAILS_PER_ADDRESS", "3"))
# A scheduled issue more than this many hours overdue waits for a coordinator.
NEWSLETTER_OVERDUE_HOURS = float(env("NEWSLETTER_OVERDUE_HOURS", "6"))
# Suggestions ticked in a new issue (the newest; agency news first). About 30 items
# make a ~30 KB edition; ~90 reach Gmail's clipping limit.
NEWSLETTER_SUGGESTED_ITEMS = int(env("NEWSLETTER_SUGGESTED_ITEMS", "30"))
# Gmail clips a message above ~102 KB and hides the footer (unsubscribe, imprint).
NEWSLETTER_HTML_WARN_BYTES = int(env("NEWSLETTER_HTML_WARN_BYTES", str(100 * 1024)))
# Token for POST /api/newsletter/bounces (bounce and complaint reports); empty = off.
NEWSLETTER_WEBHOOK_TOKEN = env("NEWSLETTER_WEBHOOK_TOKEN", "")
# Folder of the local SMTP sink shown at /admin/mailbox/ (set by `make run`); empty =
# off. Never in production: the page shows every mail the site sent.
NEWSLETTER_MAILBOX_DIR = env("NEWSLETTER_MAILBOX_DIR", "") if DEBUG else ""
# Key of the address hashes kept after erasure; defaults to SECRET_KEY.
NEWSLETTER_HASH_KEY = env("NEWSLETTER_HASH_KEY", "")

# --- Search (the public search engine; see search/) ---------------------------------
SEARCH_URL = env("SEARCH_URL", "")
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", "wegweiser")
# Seconds to wait for the engine per request, and to skip it after a failure.
SEARCH_TIMEOUT = float(env("SEARCH_TIMEOUT", "10"))
SEARCH_RETRY_PAUSE = float(env("SEARCH_RETRY_PAUSE", "15"))
# Shards and replicas of a new index (search_rebuild); one replica per extra node of an
# Elasticsearch cluster keeps search up while a node is down.
SEARCH_SHARDS = int(env("SEARCH_SHARDS", "1"))
SEARCH_REPLICAS = int(env("SEARCH_REPLICAS", "0"))
# Seconds a task worker holds the index changes it claimed: longer than sending one
# batch takes; a killed worker's changes go to another worker after this.
SEARCH_CLAIM_SECONDS = int(env("SEARCH_CLAIM_SECONDS", "300"))
# Cross-lingual search: the multilingual embedding model (a class implementing
# search.embedding.Embedder; empty switches it off and search matches words only),
# its CPU threads per process (keep workers × threads within the cores), and how many
# offers a task run embeds before it hands over (a run must end within its claim).
SEARCH_EMBEDDER = env("SEARCH_EMBEDDER", "search.embedding.MultilingualE5Small")
SEARCH_EMBEDDER_THREADS = int(env("SEARCH_EMBEDDER_THREADS", "1"))
SEARCH_EMBED_OFFERS_PER_RUN = int(env("SEARCH_EMBED_OFFERS_PER_RUN", "20"))

# --- Operations (see operations/) -------------------------------------------------
# /readyz reports "degraded" when the oldest runnable task waited longer than this
# (seconds: no worker, or too few), and waits this long for the search engine.
OPERATIONS_READY_MAX_TASK_AGE = float(env("OPERATIONS_READY_MAX_TASK_AGE", "300"))
OPERATIONS_READY_SEARCH_TIMEOUT = float(env("OPERATIONS_READY_SEARCH_TIMEOUT", "2"))
# Whole public answers for anonymous readers (operations/pagecache.py), kept this
# many seconds in the shared cache and forgotten at once by any publish on any
# server; 0 turns it off (the default with DJANGO_DEBUG, so template edits show).
OPERATIONS_PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "0" if DEBUG else "60"))
OPERATIONS_PAGE_CACHE_ALIAS = "default"
# URL names (glob patterns) whose answers are cached: not the search (its index is
# updated after the publish, by the worker), not the newsletter's forms.
OPERATIONS_PAGE_CACHE_VIEWS = (
    "wagtail_serve",
    "finder",
    "finder-api",
    "hsds",
    "hsds-*",
    "feed-offers",
    "feed-topic",
    "calendar-offer",
    "calendar-contact-point",
    "calendar-agency",
)

# --- "Who is responsible?" finder ----------------------------------------------------
# The topic whose rules for everyone are offered when no rule answers a question.
DIRECTORY_COUNSELLING_TOPIC = env("DIRECTORY_COUNSELLING_TOPIC", "beratung")

# --- JSON APIs (api/: base view, answer language, errors, throttling) -------------
# Requests per client (address) to the public APIs, e.g. "600/min"; set but empty
# (API_THROTTLE_RATE=): no limit (the load benchmark, which asks from one address).
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/min").strip()
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.Utf8JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # ?format= is a parameter of our APIs (search: in_person/online; HSDS: ndjson),
    # not DRF's choice of renderer.
    "URL_FORMAT_OVERRIDE": None,
    # Proxies in front of the app whose X-Forwarded-For is trusted to name the client
    # for throttling: 1 behind deploy/'s nginx (BEHIND_HTTPS_PROXY), else 0, the
    # connection's address. Never None: DRF would then trust any X-Forwarded-For a
    # client sends, and a client could dodge the limit by varying it.
    "NUM_PROXIES": int(
        env(
            "API_TRUSTED_PROXIES", "1" if env_bool("BEHIND_HTTPS_PROXY", False) else "0"
        )
    ),
}
# The public APIs answer any origin, GET only; nothing else is CORS-enabled.
CORS_URLS_REGEX = r"^/api/((search|finder|hsds)(/.*)?|openapi\.json)$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_HEADERS = ("accept", "accept-language")
CORS_PREFLIGHT_MAX_AGE = 86400
# The OpenAPI document at /api/openapi.json, generated from the API views; the JSON
# Schemas of the answers are data in api/schemas/ (see api/openapi.py). The reference
# at /api/docs/ serves Swagger UI from our own static files.
SPECTACULAR_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "TITLE": "Wegweiser API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Public, read-only JSON: search over the offers of the Wegweiser directory, "
        'the "Who is responsible?" finder, and the whole directory as Open Referral '
        "HSDS 3.0.\n\n"
        "* No authentication; only `GET` (and `HEAD`, `OPTIONS`) is allowed, other "
        "methods get `405`.\n"
        "* CORS: any origin may call the API from a web page (`GET` only).\n"
        "* Texts, labels and links are in the answer language: the `lang` parameter, "
        "else the `Accept-Language` header, else German (`de`). Missing translations "
        "fall back to German.\n"
        '* Every error has one format: `{"error": …, "errors": {parameter: '
        '[messages]}, "parameter": …}` (`ErrorResponse`).\n'
        "* Requests are limited per client; over the limit the answer is `429` with "
        "a `Retry-After` header.\n"
        "* When the search engine is unavailable, searches are answered from the "
        "database: the answer then has `degraded: true`, simpler word matching, no "
        "facet counts, no highlighting and no distance sorting.\n\n"
        "**HSDS 3.0** (`/api/hsds/…`): services, organizations, services at "
        "locations, taxonomies and taxonomy terms following the Human Services Data "
        "Specification 3.0 of Open Referral; each document is valid against the "
        "official HSDS 3.0 object schemas. Only published, public records."
    ),
    "SERVERS": [{"url": "/"}],
    "TAGS": [
        {"name": "search", "description": "Searching offers and autocomplete."},
        {"name": "finder", "description": 'The "Who is responsible?" finder.'},
        {
            "name": "hsds",
            "description": "The directory as Open Referral HSDS 3.0 (read only).",
        },
        {"name": "meta", "description": "This description of the API."},
    ],
    "SCHEMA_PATH_PREFIX": r"/api/",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SORT_OPERATION_PARAMETERS": False,
    "PREPROCESSING_HOOKS": ["api.openapi.public_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.openapi.components_add",
    ],
}

# --- Open data (HSDS 3.0; see hsds/) ----------------------------------------
# The Land our addresses are in (HSDS requires it; we do not store it per address).
HSDS_STATE_PROVINCE = env("HSDS_STATE_PROVINCE", "Bayern")
# Largest file the import command accepts (bytes). Files are
# read whole: 10,000 full services are about 130 MB of JSON and 1.5 GB in memory.
HSDS_IMPORT_MAX_BYTES = int(env("HSDS_IMPORT_MAX_BYTES", str(150 * 1024 * 1024)))
# The admin imports while the coordinator waits: ~2,000 services take ~15 s.
HSDS_ADMIN_IMPORT_MAX_BYTES = int(
    env("HSDS_ADMIN_IMPORT_MAX_BYTES", str(25 * 1024 * 1024))
)
# Uploads whose preview was never confirmed are deleted after this many hours
# (`manage.py hsds_cleanup`, run by the maintenance timer).
HSDS_IMPORT_UPLOAD_HOURS = float(env("HSDS_IMPORT_UPLOAD_HOURS", "24"))
# assurer_email is a staff address: the public API and export leave it out unless
# this is on.
HSDS_PUBLISH_ASSURER_EMAIL = env_bool("HSDS_PUBLISH_ASSURER_EMAIL", False)

# --- Coordination (see directory/freshness.py) ---------------------------------------
# An offer or contact point not confirmed for this many days is stale: listed on the
# dashboards, its agency's editors get one reminder; an offer stale for a further
# DIRECTORY_HIDE_AFTER_DAYS leaves the public site and search until confirmed.
DIRECTORY_STALE_AFTER_DAYS = int(env("DIRECTORY_STALE_AFTER_DAYS", "182"))
DIRECTORY_HIDE_AFTER_DAYS = int(env("DIRECTORY_HIDE_AFTER_DAYS", "91"))
# An editor's invitation link (set a password) stays valid this many days.
DIRECTORY_INVITATION_DAYS = int(env("DIRECTORY_INVITATION_DAYS", "7"))
# Accessibility feedback (the form on the accessibility statement) is mailed to the
# active coordinators and to these addresses (comma-separated, e.g. the office's
# shared mailbox); a client address may send DIRECTORY_FEEDBACK_PER_HOUR an hour.
DIRECTORY_FEEDBACK_EMAIL = env_list("DIRECTORY_FEEDBACK_EMAIL", "")
DIRECTORY_FEEDBACK_PER_HOUR = int(env("DIRECTORY_FEEDBACK_PER_HOUR", "5"))
# Link previews without an agency logo are drawn with the Noto fonts in this folder
# (Debian's fonts-noto-core); without them only the brand is drawn.
DIRECTORY_SHARE_IMAGE_FONT_DIR = env(
    "DIRECTORY_SHARE_IMAGE_FONT_DIR", "/usr/share/fonts/truetype/noto"
)

# --- Admin sign-in (see accounts/) ---------------------------------------------------
# Failed sign-ins are counted per account and per client address (django-axes):
# after ACCOUNTS_LOGIN_FAILURE_LIMIT failures in a row either one is locked out for
# ACCOUNTS_LOGIN_COOLOFF_MINUTES after its last failure, the right password included.
# `manage.py axes_reset_username <name>` lifts a lockout early.
ACCOUNTS_LOGIN_FAILURE_LIMIT = int(env("ACCOUNTS_LOGIN_FAILURE_LIMIT", "5"))
ACCOUNTS_LOGIN_COOLOFF_MINUTES = int(env("ACCOUNTS_LOGIN_COOLOFF_MINUTES", "15"))
AXES_FAILURE_LIMIT = ACCOUNTS_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=ACCOUNTS_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success must not wipe the address's failures: an attacker with one account of
# their own could otherwise reset the count for every account they guess at.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Behind our proxy (BEHIND_HTTPS_PROXY) the last X-Forwarded-For entry, else the
# connection's address.
AXES_CLIENT_IP_CALLABLE = "operations.requests.client_ip"
# Failures are kept (until their cool-off ends), successful sign-ins are not logged.
AXES_DISABLE_ACCESS_LOG = True
# No banner on every manage.py command (lockouts are still logged).
AXES_VERBOSE = False
# TOTP second factor: required for coordinators and superusers when on (editors may
# enrol on their account page). Off by default with DJANGO_DEBUG so the demo of
# `make run` signs in with the password alone.
ACCOUNTS_2FA_REQUIRED = env_bool("ACCOUNTS_2FA_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME

# --- Security ------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Production defaults to HTTPS only (the proxy must send X-Forwarded-Proto, see
# BEHIND_HTTPS_PROXY); `make serve` on plain http://127.0.0.1 turns these off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https")
    if env_bool("BEHIND_HTTPS_PROXY", False)
    else None
)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's admin shows page previews in a same-origin iframe, so not DENY.
X_FRAME_OPTIONS = "SAMEORIGIN"
# HSTS for subdomains and the browsers' preload list bind every host of the domain
# (often a municipality's whole domain) to HTTPS for good: opt in per deployment
# with SECURE_HSTS_INCLUDE_SUBDOMAINS=1 and SECURE_HSTS_PRELOAD=1.
SILENCED_SYSTEM_CHECKS = ["security.W019", "security.W005", "security.W021"]

# Content-Security-Policy and Permissions-Policy (operations/headers.py). The public
# site runs only our own files: no inline script or style (templates load static/js
# and static/css), no other hosts. The policies are the same for every response, so
# cached pages stay valid. Uploads on S3 add their host to img-src.
_media_origin = ""
if MEDIA_S3_BUCKET:
    from urllib.parse import urlsplit as _urlsplit

    _endpoint = _urlsplit(env("MEDIA_S3_ENDPOINT_URL"))
    if env("MEDIA_S3_CUSTOM_DOMAIN"):
        _media_origin = f" https://{env('MEDIA_S3_CUSTOM_DOMAIN')}"
    elif _endpoint.netloc:
        _media_origin = f" {_endpoint.scheme}://{_endpoint.netloc}"
    else:
        _media_origin = f" https://{MEDIA_S3_BUCKET}.s3.amazonaws.com"
OPERATIONS_CSP_PUBLIC = env(
    "OPERATIONS_CSP_PUBLIC",
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    f"img-src 'self' data:{_media_origin}; font-src 'self'; connect-src 'self'; "
    "frame-src 'none'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'",
)
# Wagtail's admin (and its previews of public pages, the newsletter's previews and
# the mailbox's sandboxed frames) writes inline scripts and style attributes, shows
# chosen images as data: and blob: URLs, and frames its own pages.
OPERATIONS_CSP_ADMIN = env(
    "OPERATIONS_CSP_ADMIN",
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data: blob:{_media_origin}; font-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
    "form-action 'self'; base-uri 'self'; object-src 'none'; worker-src 'self' blob:",
)
OPERATIONS_CSP_ADMIN_PATHS = env_list("OPERATIONS_CSP_ADMIN_PATHS", "/admin/")
# Where browsers send violation reports (report-uri and report-to); empty = none.
OPERATIONS_CSP_REPORT_URI = env("OPERATIONS_CSP_REPORT_URI", "")
# 1: only report violations (Content-Security-Policy-Report-Only), block nothing.
OPERATIONS_CSP_REPORT_ONLY = env_bool("OPERATIONS_CSP_REPORT_ONLY", False)
# Only the search page's "Use my location" asks for a browser feature (geolocation).
OPERATIONS_PERMISSIONS_POLICY = env(
    "OPERATIONS_PERMISSIONS_POLICY",
    "geolocation=(self), camera=(), microphone=(), payment=(), usb=(), serial=(), "
    "hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=(), browsing-topics=(), interest-cohort=()",
)

# LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id
# and the request's method, path, status and duration). Otherwise plain text.
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "operations.requests.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "operations.logs.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per request; runserver prints its own when debugging.
        "wegweiser.request": {
            "level": env("LOG_REQUESTS_LEVEL", "WARNING" if DEBUG else "INFO")
        },
        # Page-created lines and per-task state changes drown out what matters.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "elastic_transport": {"level": "WARNING"},
        # aiosmtpd (the local mailbox) logs every recipient address at INFO.
        "mail.log": {"level": "WARNING"},
    },
}
