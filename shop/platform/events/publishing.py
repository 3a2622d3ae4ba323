"""``publish``: write an event to its producer's outbox, in the caller's transaction."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from contracts.common import DomainEvent
from shop.platform.events.codec import encode
from shop.platform.events.models import OutboxMessage


class EventPublishedOutsideTransaction(RuntimeError):
    """``publish`` was called with no transaction open on the producer's database."""


def producer_of(event: DomainEvent) -> str:
    """The app that publishes ``event``: the contract module that declares it."""
    module = type(event).__module__
    if not module.startswith("contracts."):
        raise TypeError(f"{type(event).__qualname__} is not declared in a contract module")
    return module.removeprefix("contracts.").split(".", 1)[0]


def publish(event: DomainEvent) -> uuid.UUID:
    """Record ``event`` in its producer's outbox; it is delivered once this commits.

    Must be called inside ``transaction.atomic(using=<producer>)``, so the event and
    the change it reports commit or roll back together.
    """
    alias = producer_of(event)
    if not connections[alias].in_atomic_block:
        raise EventPublishedOutsideTransaction(
            f"publish({event.name}) needs an open transaction on the {alias!r} database"
        )
    now = timezone.now()
    message = OutboxMessage.objects.using(alias).create(
        event_id=uuid.uuid4(),
        name=event.name,
        version=event.version,
        producer=alias,
        payload=encode(event),
        occurred_at=now,
        next_attempt_at=now,
    )
    if settings.SHOP_EVENTS_DELIVER_ON_COMMIT:
        from shop.platform.events.delivery import deliver_one

        transaction.on_commit(lambda: deliver_one(alias, message.event_id), using=alias)
    return message.event_id
