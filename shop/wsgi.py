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
from shop.platform.domains import wrap_wsgi_application  # noqa: E402

# A served app may answer some requests before Django's middleware (the catalog's
# anonymous reads, from cached bytes): its AppConfig names the wrappers.
application = wrap_wsgi_application(django_application)
