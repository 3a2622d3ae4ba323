"""Scrape-time gauges of the broker's side of events (``EVENTS_BROKER`` set): how late
the relay is, and how many received events wait parked. Every instance reports the
same figures, read from the databases: alert on their maximum."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from shop.platform.domains import app_database_aliases
from shop.platform.events.models import ParkedConsumerMessage
from shop.platform.events.relay import oldest_unpublished
from shop.platform.telemetry.metrics import GaugeReading, gauge_at_scrape


@gauge_at_scrape(
    "shop_events_relay_lag_seconds",
    "Age of the oldest outbox message not yet acknowledged by the broker (0 when none).",
    labelnames=("app",),
)
def relay_lag() -> GaugeReading:
    if not settings.EVENTS_BROKER:
        return None
    now = timezone.now()
    lag = {}
    for alias in app_database_aliases():
        oldest = oldest_unpublished(alias)
        lag[(alias,)] = (now - oldest).total_seconds() if oldest else 0.0
    return lag


@gauge_at_scrape(
    "shop_events_consumer_parked_messages",
    "Events received from the broker and parked in the subscriber's database, waiting "
    "for a re-drive.",
    labelnames=("app",),
)
def consumer_parked() -> GaugeReading:
    if not settings.EVENTS_BROKER:
        return None
    return {
        (alias,): ParkedConsumerMessage.objects.using(alias)
        .filter(parked_at__isnull=False, applied_at__isnull=True)
        .count()
        for alias in app_database_aliases()
    }
