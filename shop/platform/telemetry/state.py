"""Gauges of shared state read at scrape time: dependencies up, and each app's outbox."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from django.db import connections, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shop.platform.domains import app_database_aliases
from shop.platform.events.models import OutboxMessage
from shop.platform.health import DATABASE_TIMEOUT_SECONDS, readiness

logger = logging.getLogger(__name__)


class PlatformStateCollector(Collector):
    """``shop_dependency_up`` per database and cache; per app database, the outbox's lag
    (age of the oldest message neither delivered nor parked), backlog and parked count.

    Every instance reports the same outbox figures: alert on their maximum.
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "shop_dependency_up",
            "1 if the dependency (database:<alias> or cache) answers, else 0.",
            labels=["dependency"],
        )
        checks = readiness()
        for dependency, answers in sorted(checks.items()):
            up.add_metric([dependency], 1.0 if answers else 0.0)
        yield up

        lag = GaugeMetricFamily(
            "shop_outbox_lag_seconds",
            "Age of the oldest outbox message not yet delivered nor parked (0 when none).",
            labels=["app"],
        )
        backlog = GaugeMetricFamily(
            "shop_outbox_undelivered_messages",
            "Outbox messages waiting for delivery (not parked).",
            labels=["app"],
        )
        parked = GaugeMetricFamily(
            "shop_outbox_parked_messages",
            "Outbox messages parked after too many failed deliveries.",
            labels=["app"],
        )
        now = timezone.now()
        for alias in app_database_aliases():
            if not checks.get(f"database:{alias}"):
                continue
            try:
                oldest, waiting, parked_count = outbox_state(alias)
            except Exception:
                logger.exception("outbox state of %s could not be read", alias)
                continue
            lag.add_metric([alias], (now - oldest).total_seconds() if oldest else 0.0)
            backlog.add_metric([alias], waiting)
            parked.add_metric([alias], parked_count)
        yield lag
        yield backlog
        yield parked

    def describe(self) -> list:
        return []


def outbox_state(alias: str) -> tuple[datetime | None, int, int]:
    """The oldest pending message's time, the pending count and the parked count."""
    connection = connections[alias]
    with transaction.atomic(using=alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_SECONDS * 1000}")
        undelivered = OutboxMessage.objects.using(alias).filter(delivered_at__isnull=True)
        figures = undelivered.aggregate(
            oldest=Min("occurred_at", filter=Q(parked_at__isnull=True)),
            waiting=Count("pk", filter=Q(parked_at__isnull=True)),
            parked=Count("pk", filter=Q(parked_at__isnull=False)),
        )
    return figures["oldest"], figures["waiting"], figures["parked"]
