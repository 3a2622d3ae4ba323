"""Delivering outbox messages to their subscribers, each applied at most once."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.platform.events.codec import decode
from shop.platform.events.models import InboxMessage, OutboxMessage
from shop.platform.events.subscriptions import Subscription, subscriptions_for

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def apply(subscription: Subscription, message: OutboxMessage) -> bool:
    """Apply one message with one subscriber; ``False`` if it was already applied."""
    event = decode(subscription.event_type, message.payload)
    with transaction.atomic(using=subscription.app):
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


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 600))


def deliver(alias: str, message: OutboxMessage) -> bool:
    """Dispatch a locked message and record the outcome on it; ``True`` if delivered."""
    now = timezone.now()
    try:
        dispatch(message)
    except Exception as exc:
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt_at = now + backoff(message.attempts)
        if message.attempts >= MAX_ATTEMPTS:
            message.parked_at = now
        message.save(
            using=alias, update_fields=["attempts", "last_error", "next_attempt_at", "parked_at"]
        )
        return False
    message.delivered_at = now
    message.save(using=alias, update_fields=["delivered_at"])
    return True


def deliver_one(alias: str, event_id: UUID) -> None:
    """Deliver one message right after its commit, unless another process holds it."""
    try:
        with transaction.atomic(using=alias):
            message = (
                OutboxMessage.objects.using(alias)
                .select_for_update(skip_locked=True)
                .filter(event_id=event_id, delivered_at__isnull=True, parked_at__isnull=True)
                .first()
            )
            if message is not None:
                deliver(alias, message)
    except Exception:
        # The outbox still holds the message; the worker delivers it later.
        logger.exception("in-process delivery of %s failed", event_id)
