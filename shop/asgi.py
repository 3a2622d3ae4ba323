"""ASGI entry point (tracing set up per worker process, as in ``shop.wsgi``)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

from shop.platform.telemetry.tracing import setup_tracing

# Before the application is built: the Django instrumentation adds its middleware.
setup_tracing()
application = get_asgi_application()
