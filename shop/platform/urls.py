"""Operational endpoints: health, readiness and metrics."""

from django.urls import path

from shop.platform import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
