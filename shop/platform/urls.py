"""Operational endpoints: health, readiness and metrics."""

from django.urls import path

from shop.platform import health
from shop.platform.telemetry import views as telemetry

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", telemetry.metrics, name="metrics"),
]
