"""``publish``: write an event to its producer's outbox, in the caller's transaction."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from contracts.common import DomainEvent
from shop.platform.domains import app_database_aliases
from shop.platform.events.codec import PayloadError, decode, encode
from shop.platform.events.models import OutboxMessage
from shop.platform.events.tracing import current_traceparent, publish_span
from shop.platform.ids import new_id
from shop.platform.rows import insert


class EventPublishedOutsideTransaction(RuntimeError):
    """``publish`` was called with no transaction open on the producer's database."""


def producer_of(event_type: type[DomainEvent] | DomainEvent) -> str:
    """The app that publishes events of ``event_type``, which must be served here."""
    producer = declared_producer(event_type)
    if producer not in app_database_aliases():
        raise TypeError(
            f"{type_name(event_type)}: {producer!r} is not an app database of this process"
        )
    return producer


def type_name(event_type: type[DomainEvent] | DomainEvent) -> str:
    return (event_type if isinstance(event_type, type) else type(event_type)).__qualname__


def declared_producer(event_type: type[DomainEvent] | DomainEvent) -> str:
    """The app that publishes events of ``event_type``, served here or not.

    That is the contract module declaring it (``contracts.inventory`` → ``inventory``),
    unless the class names its producer in a ``producer`` class attribute.
    """
    if not isinstance(event_type, type):
        event_type = type(event_type)
    producer = getattr(event_type, "producer", None)
    if producer is None:
        module = event_type.__module__
        if not module.startswith("contracts."):
            raise TypeError(
                f"{event_type.__qualname__} is not declared in a contract module "
                "and names no producer"
            )
        producer = module.removeprefix("contracts.").split(".", 1)[0]
    return producer


def publish(event: DomainEvent) -> uuid.UUID:
    """Record ``event`` in its producer's outbox; it is delivered once this commits.

    Must be called inside ``transaction.atomic(using=<producer>)``, so the event and
    the change it reports commit or roll back together. Raises
    ``EventPublishedOutsideTransaction`` otherwise, and ``PayloadError`` for an event
    that would not decode on the consumer's side.
    """
    alias = producer_of(type(event))
    if not connections[alias].in_atomic_block:
        raise EventPublishedOutsideTransaction(
            f"publish({event.name}) needs an open transaction on the {alias!r} database"
        )
    payload = encode(event)
    # Fail at the producer, in its transaction, rather than at every consumer later.
    decode(type(event), payload)
    key = payload.get(event.key_field) if isinstance(payload, dict) else None
    if key is None:
        raise PayloadError(f"{event.name} has no {event.key_field!r} to key it by")
    with publish_span(event.name) as span:
        now = timezone.now()
        message = OutboxMessage(
            event_id=new_id(),
            name=event.name,
            version=event.version,
            producer=alias,
            payload=payload,
            traceparent=current_traceparent(),
            occurred_at=now,
            next_attempt_at=now,
            key=str(key),
            # With a broker, the relay publishes it (see relay.py).
            stream_pending=bool(settings.EVENTS_BROKER),
        )
        insert(message, using=alias)
        span.set_attribute("messaging.message.id", str(message.event_id))
    if settings.SHOP_EVENTS_DELIVER_ON_COMMIT:
        from shop.platform.events.delivery import deliver_one

        transaction.on_commit(lambda: deliver_one(alias, message.event_id), using=alias)
    return message.event_id
