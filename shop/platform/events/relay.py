"""The relay: with a broker set, every outbox message is published to it, oldest first.

A message is marked published (``stream_pending`` cleared) only after the broker
acknowledged it; a relay that dies in between publishes it again, and consumers'
inboxes absorb the repeat. One relay at a time works on an outbox (it holds the
outbox's relay lease row for its batch), so one aggregate's events reach the broker
in the order they were published.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from shop.platform.events import metrics
from shop.platform.events.broker import Broker, BrokerUnavailable
from shop.platform.events.models import JobLease, OutboxMessage

logger = logging.getLogger(__name__)

RELAY_LEASE = "events.relay"


def relay_batch(alias: str, broker: Broker, *, batch_size: int) -> int:
    """Publish up to ``batch_size`` of ``alias``'s unpublished messages; how many were
    acknowledged. Returns 0 at once when another relay holds this outbox.

    A broker that does not answer is logged and counted, the messages wait, and
    ``BrokerUnavailable`` is raised (the caller need not try the other outboxes now).
    """
    with transaction.atomic(using=alias):
        leases = JobLease.objects.using(alias)
        leases.bulk_create(
            [JobLease(name=RELAY_LEASE, next_run_at=timezone.now())], ignore_conflicts=True
        )
        if leases.select_for_update(skip_locked=True).filter(name=RELAY_LEASE).first() is None:
            return 0
        pending = list(
            OutboxMessage.objects.using(alias)
            .filter(stream_pending=True)
            .order_by("occurred_at")[:batch_size]
        )
        if not pending:
            return 0
        try:
            acknowledged = broker.publish(pending)
        except BrokerUnavailable as exc:
            logger.warning("cannot publish the %s outbox to the broker: %s", alias, exc)
            metrics.relay_failures.labels(producer=alias).inc()
            raise
        OutboxMessage.objects.using(alias).filter(event_id__in=acknowledged).update(
            stream_pending=False
        )
    metrics.relayed.labels(producer=alias).inc(len(acknowledged))
    return len(acknowledged)


def oldest_unpublished(alias: str) -> datetime | None:
    """When the oldest message not yet on the broker was published, if any."""
    return (
        OutboxMessage.objects.using(alias)
        .filter(stream_pending=True)
        .aggregate(oldest=Min("occurred_at"))["oldest"]
    )
