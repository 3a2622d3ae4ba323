"""Consumers: events of producers served by other processes, read from the broker and
applied by this process's subscribers through their inboxes (exactly-once effect).

One consumer group per subscribing app (``shop.<app>``) reads the topics of the
producers it needs that are not installed here (where producer and subscriber share
a process, the outbox delivers in-process). Offsets are committed after the inbox
transactions of everything received committed. A message a subscriber keeps failing
on is parked in the app's database after ``SHOP_EVENTS_CONSUMER_ATTEMPTS`` attempts,
and the partition moves on; a re-drive (admin) makes the worker apply it again, with
the outbox's backoff between attempts that fail (2 s, 4 s, 8 s...) until it is parked
again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps as django_apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from shop.platform.events import metrics
from shop.platform.events.broker import (
    Broker,
    BrokerConsumer,
    ReceivedEvent,
    group_for,
    topic_for,
)
from shop.platform.events.delivery import apply, backoff
from shop.platform.events.models import OutboxMessage, ParkedConsumerMessage
from shop.platform.events.publishing import declared_producer
from shop.platform.events.subscriptions import all_subscriptions, subscriptions_for

logger = logging.getLogger(__name__)

MAX_RETRY_WAIT_SECONDS = 5.0
# How often a consumer reports its lag and applies re-driven messages.
SURVEY_INTERVAL_SECONDS = 2.0


@dataclass
class ConsumeCounts:
    """What one pass of the consumers did."""

    applied: int = 0
    repeated: int = 0
    parked: int = 0
    redriven: int = 0

    def __iadd__(self, other: ConsumeCounts) -> ConsumeCounts:
        self.applied += other.applied
        self.repeated += other.repeated
        self.parked += other.parked
        self.redriven += other.redriven
        return self

    @property
    def total(self) -> int:
        return self.applied + self.repeated + self.parked + self.redriven


def installed_labels() -> set[str]:
    """The labels of the apps installed in this process (Django's app registry)."""
    return {config.label for config in django_apps.get_app_configs()}


def remote_producers_by_app() -> dict[str, set[str]]:
    """For each subscribing app here, the producers it needs that are not installed here."""
    installed = installed_labels()
    needs: dict[str, set[str]] = {}
    for subscription in all_subscriptions():
        producer = declared_producer(subscription.event_type)
        if producer not in installed:
            needs.setdefault(subscription.app, set()).add(producer)
    return needs


def retry_wait(attempt: int) -> float:
    """Seconds before attempt ``attempt + 1`` at a received message: 0.25, 0.5, 1… 5."""
    return min(0.25 * 2 ** (attempt - 1), MAX_RETRY_WAIT_SECONDS)


def apply_for_app(app: str, message: OutboxMessage) -> bool:
    """Apply ``message`` with ``app``'s subscribers; ``True`` if any had not applied it yet."""
    applied = False
    for subscription in subscriptions_for(message.name):
        if subscription.app == app:
            applied = apply(subscription, message) or applied
    return applied


class AppConsumer:
    """The consumer group of one app over the topics of ``producers``."""

    def __init__(self, broker: Broker, *, app: str, producers: Iterable[str]) -> None:
        self.app = app
        self.group = group_for(app)
        self.topics = sorted(topic_for(producer) for producer in producers)
        self.reader: BrokerConsumer = broker.consumer(group=self.group, topics=self.topics)
        self._next_survey = 0.0

    def run_once(self, *, max_messages: int, timeout: float) -> ConsumeCounts:
        """Apply what arrives within ``timeout`` (up to ``max_messages``), then commit."""
        counts = ConsumeCounts()
        try:
            for received in self.reader.receive(max_messages=max_messages, timeout=timeout):
                if not isinstance(received, ReceivedEvent):
                    logger.error(
                        "group %s skips %s[%s]@%s: %s",
                        self.group,
                        received.topic,
                        received.partition,
                        received.offset,
                        received.error,
                    )
                    continue
                self._apply_or_park(received, counts)
        except BaseException:
            # Its database away, say: what followed the failure was not applied, and
            # must come again (the inboxes absorb what was).
            self.reader.rewind()
            raise
        self.reader.commit()
        if time.monotonic() >= self._next_survey:
            # Lag takes a round trip per partition and re-drives are rare: not every pass.
            self._next_survey = time.monotonic() + SURVEY_INTERVAL_SECONDS
            for topic, lag in self.reader.lag().items():
                metrics.consumer_lag.labels(group=self.group, topic=topic).set(lag)
            counts.redriven = apply_redriven(self.app, group=self.group)
        return counts

    def _apply_or_park(self, event: ReceivedEvent, counts: ConsumeCounts) -> None:
        labels = {"group": self.group, "name": event.name}
        attempts = settings.SHOP_EVENTS_CONSUMER_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                applied = apply_for_app(self.app, event.as_message())
            except Exception as exc:
                logger.exception(
                    "group %s failed on %s %s (attempt %d of %d)",
                    self.group,
                    event.name,
                    event.event_id,
                    attempt,
                    attempts,
                )
                if attempt == attempts:
                    park(self.app, self.group, event, attempts=attempts, error=exc)
                    counts.parked += 1
                    metrics.consumer_parked.labels(**labels).inc()
                    return
                time.sleep(retry_wait(attempt))
                continue
            if applied:
                counts.applied += 1
                metrics.consumed.labels(**labels).inc()
            else:
                counts.repeated += 1
            return

    def close(self) -> None:
        self.reader.close()


def park(app: str, group: str, event: ReceivedEvent, *, attempts: int, error: Exception) -> None:
    """Keep ``event`` in ``app``'s database for a re-drive."""
    ParkedConsumerMessage.objects.using(app).update_or_create(
        event_id=event.event_id,
        group=group,
        defaults={
            "name": event.name,
            "version": event.version,
            "producer": event.producer,
            "payload": event.payload,
            "traceparent": event.traceparent,
            "occurred_at": event.occurred_at,
            "topic": event.topic,
            "partition": event.partition,
            "offset": event.offset,
            "attempts": attempts,
            "last_error": f"{type(error).__name__}: {error}"[:2000],
            "parked_at": timezone.now(),
            "applied_at": None,
        },
    )


def redrive_parked(app: str, ids: Iterable[int]) -> int:
    """Make parked messages of ``app``'s database due, now, for another series of attempts."""
    return (
        ParkedConsumerMessage.objects.using(app)
        .filter(pk__in=list(ids), parked_at__isnull=False, applied_at__isnull=True)
        .update(parked_at=None, attempts=0, next_attempt_at=None)
    )


def apply_redriven(app: str, *, group: str, limit: int = 100) -> int:
    """Apply the re-driven messages of ``app`` that are due; one attempt each per pass.
    How many applied."""
    applied = 0
    now = timezone.now()
    due = ParkedConsumerMessage.objects.using(app).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        group=group,
        parked_at__isnull=True,
        applied_at__isnull=True,
    )
    for row in due[:limit]:
        try:
            apply_for_app(app, row.as_message())
        except Exception as exc:
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            # As an outbox delivery that failed: a cause that persists is not hammered.
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
            if row.attempts >= settings.SHOP_EVENTS_CONSUMER_ATTEMPTS:
                row.parked_at = timezone.now()
            row.save(
                using=app, update_fields=["attempts", "last_error", "next_attempt_at", "parked_at"]
            )
            continue
        row.applied_at = timezone.now()
        row.save(using=app, update_fields=["applied_at"])
        applied += 1
    return applied
