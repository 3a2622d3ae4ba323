"""Settings for Shop, read from the environment (twelve-factor).

The defaults run on a fresh machine with no services: SQLite files under ``var/``
and a local-memory cache. Production sets ``SHOP_ENV=production`` and refuses to
start without a real ``SECRET_KEY``.
"""

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from shop.platform.bindings import binding_settings
from shop.platform.databases import database_settings
from shop.platform.deployment import production_refusals, proxy_ssl_header
from shop.platform.domains import describe_apps, select_apps
from shop.platform.environment import env_float, env_int, env_rate

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOP_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SHOP_ENV = os.environ.get("SHOP_ENV", "development")
# The build that runs (an image tag, a commit), as traces name it.
SHOP_VERSION = (
    os.environ.get("SHOP_VERSION")
    or tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]["version"]
)
DEBUG = env_bool("DEBUG", SHOP_ENV == "development")

_DEV_SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY)
# HTTPS: on by default in production, each overridable from the environment. The
# proxy's TLS header (``X-Forwarded-Proto: https``) when TLS ends at a proxy.
_PRODUCTION = SHOP_ENV == "production"
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _PRODUCTION)
# Probes and scrapes come over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int(
    os.environ, "SECURE_HSTS_SECONDS", 31536000 if _PRODUCTION else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _PRODUCTION)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    # Swagger UI's assets, served by the shop instead of a CDN (a strict CSP, no outside network).
    "drf_spectacular_sidecar",
    "shop.platform",
    "shop.platform.events",
]

# The domain apps this code holds, by the name SHOP_APPS gives them. A process serves
# (installs) only those SHOP_APPS names; the others' code is never imported there.
DOMAIN_APPS = {
    "inventory": "shop.inventory",
    "orders": "shop.orders",
    "payments": "shop.payments",
}
SHOP_APPS = select_apps(os.environ.get("SHOP_APPS"), available=DOMAIN_APPS)
INSTALLED_APPS += [DOMAIN_APPS[name] for name in SHOP_APPS]
served_apps = describe_apps(DOMAIN_APPS[name] for name in SHOP_APPS)

# Production refuses to start, rather than serve, with a development secret or a
# payment provider nobody chose: the platform's refusals and each served app's.
if SHOP_ENV == "production" and (
    _refusals := production_refusals(os.environ, development_secret_key=_DEV_SECRET_KEY)
    + [refusal for app in served_apps for refusal in app.production_refusals(os.environ)]
):
    raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(_refusals) + ".")

MIDDLEWARE = [
    # First: every response, even one made by a later middleware, carries X-Request-ID.
    "shop.platform.telemetry.middleware.RequestIdMiddleware",
    "shop.platform.telemetry.middleware.RequestMetricsMiddleware",
    "shop.platform.errors.DebugPagesOutsideTheApi",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"

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

# Databases: one alias per served domain app (see shop/platform/databases.py).
DATABASES = database_settings(
    os.environ,
    app_aliases=[app.database_alias for app in served_apps],
    var_dir=VAR_DIR,
    pool_max_size=env_int(os.environ, "DATABASE_POOL_MAX_SIZE", 0, minimum=0),
)
DATABASE_ROUTERS = ["shop.platform.databases.AppDatabaseRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, else local memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "shop"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # A cache outage degrades to database reads instead of failing requests.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shop.platform.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.platform.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "orders.place": env_rate(os.environ, "ORDER_PLACEMENT_RATE", "60/min"),
        "orders.write": env_rate(os.environ, "ORDER_WRITE_RATE", "120/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Shop API",
    "DESCRIPTION": "Orders, inventory and payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Each contract is bound to the dotted path of its implementation: a served app's
# facade, or a client of the service at <APP>_SERVICE_URL for an app served elsewhere.
SHOP_BINDINGS = binding_settings(served_apps, os.environ)

# Remote calls (ARCHITECTURE.md §6): <APP>_SERVICE_DEADLINE_SECONDS and RPC_* tune the
# gRPC clients that bind the contracts of apps served elsewhere. Default deadlines:
# payments waits on its provider, the others answer from one database.
from shop.platform.rpc.conf import rpc_settings  # noqa: E402

SERVICE_DEADLINE_SECONDS = {
    "contracts.inventory.InventoryService": 2.0,
    "contracts.payments.PaymentsService": 15.0,
    "contracts.orders.OrdersService": 2.0,
}
globals().update(rpc_settings(os.environ, SERVICE_DEADLINE_SECONDS))

# Signs the payment provider's webhooks (HMAC-SHA256); production sets its own.
PAYMENTS_WEBHOOK_SECRET = os.environ.get(
    "PAYMENTS_WEBHOOK_SECRET",
    "whsec_development_only",  # refused in production
)

# Deliver events in-process right after commit (development, tests); the outbox is
# the record either way, and the worker delivers whatever this did not.
SHOP_EVENTS_DELIVER_ON_COMMIT = env_bool("SHOP_EVENTS_DELIVER_ON_COMMIT", SHOP_ENV != "production")
# The worker parks an event after this many failed deliveries (see docs/events.md).
SHOP_EVENTS_MAX_ATTEMPTS = env_int(os.environ, "SHOP_EVENTS_MAX_ATTEMPTS", 8, minimum=1)
# Delivered events are appended to Redis Streams trimmed to about this many entries.
SHOP_EVENTS_STREAM_MAXLEN = env_int(os.environ, "SHOP_EVENTS_STREAM_MAXLEN", 100000, minimum=1)
# A process delivering a message holds it this long; then another may (it died).
SHOP_EVENTS_CLAIM_SECONDS = env_float(os.environ, "SHOP_EVENTS_CLAIM_SECONDS", 60.0)
# Events between processes: kafka://host:port[,host:port] or redis://…; unset: none,
# the worker delivers in-process (see docs/events.md).
EVENTS_BROKER = os.environ.get("EVENTS_BROKER", "")
# Topics are <prefix>.events.<producer>, consumer groups <prefix>.<app>.
SHOP_EVENTS_TOPIC_PREFIX = os.environ.get("SHOP_EVENTS_TOPIC_PREFIX", "shop")
# The relay counts a message the broker has not acknowledged after this long as failed.
SHOP_EVENTS_PUBLISH_TIMEOUT_SECONDS = env_float(
    os.environ, "SHOP_EVENTS_PUBLISH_TIMEOUT_SECONDS", 10.0
)
# Attempts at an event received from the broker before it is parked (subscriber's database).
SHOP_EVENTS_CONSUMER_ATTEMPTS = env_int(os.environ, "SHOP_EVENTS_CONSUMER_ATTEMPTS", 5, minimum=1)
# A consumer silent this long leaves its group; a joining one waits about as long.
SHOP_EVENTS_CONSUMER_SESSION_SECONDS = env_float(
    os.environ, "SHOP_EVENTS_CONSUMER_SESSION_SECONDS", 6.0
)

# The apps' tuning knobs, set here only when the environment names them: their
# defaults live in each app's conf.py. A deadline of 0 settles at once; a lease must last.
_TUNING_FROM_ENVIRONMENT: dict[str, Callable[[str], object]] = {
    "ORDERS_PENDING_DEADLINE_SECONDS": lambda name: env_float(os.environ, name, None, zero=True),
    "ORDERS_DRIVER_LEASE_SECONDS": lambda name: env_float(os.environ, name, None),
    "ORDERS_IDEMPOTENCY_LEASE_SECONDS": lambda name: env_float(os.environ, name, None),
    "ORDERS_IDEMPOTENCY_TTL_HOURS": lambda name: env_float(os.environ, name, None, unit="hours"),
    "ORDERS_RETRY_AFTER_SECONDS": lambda name: env_int(os.environ, name, 5, minimum=1),
    "PAYMENTS_PROVIDER": lambda name: os.environ[name],
    "PAYMENTS_IN_FLIGHT_LEASE_SECONDS": lambda name: env_float(os.environ, name, None),
    "PAYMENTS_WAIT_FOR_IN_FLIGHT_SECONDS": lambda name: env_float(
        os.environ, name, None, zero=True
    ),
    "PAYMENTS_RESOLVE_AFTER_SECONDS": lambda name: env_float(os.environ, name, None, zero=True),
}
globals().update(
    {
        name: read(name)
        for name, read in _TUNING_FROM_ENVIRONMENT.items()
        if os.environ.get(name, "").strip()
    }
)

# One JSON object per line on stderr, with the request id and the trace and span ids.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "shop.platform.telemetry.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "shop.platform.telemetry.logging.json_formatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's loggers keep no text handlers of their own: they propagate to the root.
    "loggers": {"django": {"level": "INFO"}, "django.server": {"level": "INFO"}},
}
