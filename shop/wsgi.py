"""WSGI entry point.

Each worker process of a pre-forking server imports this module after it is forked
(granian always; gunicorn unless ``preload_app``), so tracing is set up per worker.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

from shop.platform.telemetry.tracing import setup_tracing

# Before the application is built: the Django instrumentation adds its middleware.
setup_tracing()
django_application = get_wsgi_application()

# Imports models: only once the application (and so Django) is set up.
from shop.inventory.http.response_cache import CatalogResponseCache  # noqa: E402

# Anonymous catalog reads are answered from cached bytes before Django's middleware.
application = CatalogResponseCache(django_application)
