"""The baselines' Django project: the least a Django answer and a Django transaction cost.

Served by the same server configuration as the shop (granian, 2 WSGI workers x 4
blocking threads), on the same PostgreSQL with the same psycopg pool size, so the
shop's figures can be read as ratios of what Django itself does on this machine.
"""

import os

import dj_database_url

SECRET_KEY = "bench-baseline-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = ["bench.baseline"]
# Minimal: the shop's own request handling is part of what the ratios measure.
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench.baseline.urls"
WSGI_APPLICATION = "bench.baseline.wsgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_database = dj_database_url.parse(
    os.environ.get("BASELINE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_baseline")
)
_pool_size = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "6"))
_database["CONN_MAX_AGE"] = 0
# The shop's database options (shop/platform/databases.py), so that neither side of a
# ratio gets what the other lacks.
_database["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if _pool_size > 0:
    _database["OPTIONS"]["pool"] = {"min_size": 1, "max_size": _pool_size, "timeout": 10}
DATABASES = {"default": _database}
