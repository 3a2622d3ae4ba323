"""Telemetry: traces (OpenTelemetry), JSON logs correlated with them, Prometheus metrics.

``setup_tracing()`` is called once per process by ``shop.wsgi``, ``shop.asgi`` and
``manage.py``; the middleware and ``/metrics`` are wired in settings and urls.
"""
