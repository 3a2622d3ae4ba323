"""Delivering outbox messages to their subscribers, each applied at most once.

A process claims due messages for ``SHOP_EVENTS_CLAIM_SECONDS`` (a short
``FOR UPDATE SKIP LOCKED`` transaction that moves their ``next_attempt_at``), so one
process at a time works on them; the claim transaction is committed before any
subscriber runs, so a subscriber never runs inside it (the rows a subscriber
touches in the producer's database, through another app's contract, are not held
until a whole batch ends). Each subscriber applies a message in its own transaction
on its app's database, recording the event id in its inbox; a crash before the
outbox row is marked delivered means the message comes again once the claim
expires, and the inbox turns the repeat into a no-op. Delivery is at least once,
effects exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.platform.events import metrics, streams
from shop.platform.events.codec import PayloadError, decode
from shop.platform.events.models import InboxMessage, OutboxMessage
from shop.platform.events.subscriptions import Subscription, subscriptions_for
from shop.platform.events.tracing import handle_span

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=10)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRIED = "retried"
    PARKED = "parked"


@dataclass
class DeliveryCounts:
    """What one pass over an outbox did."""

    delivered: int = 0
    retried: int = 0
    parked: int = 0
    streamed: int = 0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def __add__(self, other: DeliveryCounts) -> DeliveryCounts:
        return DeliveryCounts(
            self.delivered + other.delivered,
            self.retried + other.retried,
            self.parked + other.parked,
            self.streamed + other.streamed,
        )

    @property
    def total(self) -> int:
        return self.delivered + self.retried + self.parked + self.streamed


def max_attempts() -> int:
    """Failed attempts after which a message is parked (``SHOP_EVENTS_MAX_ATTEMPTS``)."""
    return settings.SHOP_EVENTS_MAX_ATTEMPTS


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failures: 2s, 4s, 8s… 10 min."""
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


def apply(subscription: Subscription, message: OutboxMessage) -> bool:
    """Apply one message with one subscriber; ``False`` if it was already applied."""
    if message.version != subscription.event_type.version:
        raise PayloadError(
            f"{subscription.key} applies {message.name} v{subscription.event_type.version}, "
            f"not v{message.version}"
        )
    event = decode(subscription.event_type, message.payload)
    with (
        handle_span(message.name, message.traceparent, subscription.key),
        transaction.atomic(using=subscription.app),
    ):
        try:
            with transaction.atomic(using=subscription.app):
                InboxMessage.objects.using(subscription.app).create(
                    event_id=message.event_id, subscriber=subscription.key, name=message.name
                )
        except IntegrityError:
            return False
        subscription.handler(event)
    return True


def dispatch(message: OutboxMessage) -> None:
    """Apply ``message`` with every subscriber; raises the first failure after trying all."""
    failures: list[BaseException] = []
    for subscription in subscriptions_for(message.name):
        try:
            apply(subscription, message)
        except Exception as exc:
            logger.exception(
                "subscriber %s failed on %s %s", subscription.key, message.name, message.event_id
            )
            failures.append(exc)
    if failures:
        raise failures[0]


def deliver(
    alias: str, message: OutboxMessage, *, stream: streams.BatchAppender | None = None
) -> Outcome:
    """Dispatch a message claimed by the caller and record the outcome on its row.

    Once delivered, it is appended to the external stream through ``stream`` (shared
    by a batch) when streaming is enabled, or flagged for a later append.
    """
    labels = {"producer": message.producer, "name": message.name}
    now = timezone.now()
    try:
        dispatch(message)
    except Exception as exc:
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt_at = now + backoff(message.attempts)
        outcome = Outcome.RETRIED
        if message.attempts >= max_attempts():
            message.parked_at = now
            outcome = Outcome.PARKED
        message.save(
            using=alias, update_fields=["attempts", "last_error", "next_attempt_at", "parked_at"]
        )
        (metrics.parked if outcome is Outcome.PARKED else metrics.retried).labels(**labels).inc()
        return outcome
    message.delivered_at = timezone.now()
    update_fields = ["delivered_at"]
    if streams.enabled():
        message.stream_pending = not (stream or streams.BatchAppender()).append(message)
        update_fields.append("stream_pending")
    # With a broker, ``stream_pending`` is the relay's: the value read at the claim may
    # be stale by now (published meanwhile), and writing it back would publish it again.
    message.save(using=alias, update_fields=update_fields)
    metrics.delivered.labels(**labels).inc()
    return Outcome.DELIVERED


def claim(alias: str, *, batch_size: int, event_id: UUID | None = None) -> list[OutboxMessage]:
    """Take up to ``batch_size`` due messages of ``alias``'s outbox, oldest first.

    They are not due again for ``SHOP_EVENTS_CLAIM_SECONDS``: other workers leave
    them alone meanwhile, and pick them up after that if this process died.
    Rows another worker is claiming at this moment are skipped, not waited for.
    """
    now = timezone.now()
    with transaction.atomic(using=alias):
        due = (
            OutboxMessage.objects.using(alias)
            .select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, parked_at__isnull=True, next_attempt_at__lte=now)
        )
        if event_id is not None:
            due = due.filter(event_id=event_id)
        claimed = list(due.order_by("occurred_at")[:batch_size])
        if claimed:
            OutboxMessage.objects.using(alias).filter(
                event_id__in=[message.event_id for message in claimed]
            ).update(next_attempt_at=now + timedelta(seconds=settings.SHOP_EVENTS_CLAIM_SECONDS))
    return claimed


def deliver_batch(alias: str, *, batch_size: int) -> DeliveryCounts:
    """Deliver up to ``batch_size`` due messages of ``alias``'s outbox, oldest first.

    Messages claimed by another worker are skipped, so several workers share the outbox.
    """
    counts = DeliveryCounts()
    stream = streams.BatchAppender()
    for message in claim(alias, batch_size=batch_size):
        counts.count(deliver(alias, message, stream=stream))
    return counts


def stream_pending_batch(alias: str, *, batch_size: int) -> int:
    """Append delivered messages whose stream append failed; how many succeeded."""
    if not streams.enabled():
        return 0
    appended = 0
    with transaction.atomic(using=alias):
        pending = (
            OutboxMessage.objects.using(alias)
            .select_for_update(skip_locked=True)
            .filter(stream_pending=True)
            .order_by("occurred_at")[:batch_size]
        )
        for message in pending:
            if not streams.append(message):
                break  # Redis is still away; the next pass tries again.
            message.stream_pending = False
            message.save(using=alias, update_fields=["stream_pending"])
            appended += 1
    return appended


def deliver_one(alias: str, event_id: UUID) -> None:
    """Deliver one message right after its commit, unless another process holds it."""
    try:
        for message in claim(alias, batch_size=1, event_id=event_id):
            deliver(alias, message)
    except Exception:
        # The outbox still holds the message; the worker delivers it later.
        logger.exception("in-process delivery of %s failed", event_id)


def redrive(alias: str, event_ids: Iterable[UUID]) -> int:
    """Give parked messages of ``alias``'s outbox a fresh series of attempts, now.

    Returns how many were parked and are now due again; others are left alone.
    """
    return (
        OutboxMessage.objects.using(alias)
        .filter(event_id__in=list(event_ids), parked_at__isnull=False, delivered_at__isnull=True)
        .update(attempts=0, parked_at=None, next_attempt_at=timezone.now())
    )
