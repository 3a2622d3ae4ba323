"""The broker port: how events travel between processes.

``EVENTS_BROKER`` picks the adapter: ``kafka://host:port[,host:port]`` (Kafka, through
confluent-kafka) or ``redis://…`` (Redis Streams). Unset, there is no broker and the
worker delivers every event in-process. The relay publishes outbox messages through
``Broker.publish``; consumers read the topics of producers served by other processes
through ``Broker.consumer``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from shop.platform.events.models import OutboxMessage


def topic_for(producer: str) -> str:
    """The topic (or stream) of ``producer``'s events: ``shop.events.<producer>``."""
    return f"{settings.SHOP_EVENTS_TOPIC_PREFIX}.events.{producer}"


def group_for(app: str) -> str:
    """The consumer group of the subscribers of ``app``: ``shop.<app>``."""
    return f"{settings.SHOP_EVENTS_TOPIC_PREFIX}.{app}"


def envelope(message: OutboxMessage) -> dict[str, Any]:
    """The envelope of ``docs/events.md``, as published on the broker."""
    return {
        "event_id": str(message.event_id),
        "name": message.name,
        "version": message.version,
        "occurred_at": message.occurred_at.isoformat(),
        "producer": message.producer,
        "traceparent": message.traceparent,
        "payload": message.payload,
    }


@dataclass(frozen=True)
class ReceivedEvent:
    """An event read from the broker, with where it was read (to park it, to report lag)."""

    event_id: UUID
    name: str
    version: int
    occurred_at: datetime
    producer: str
    traceparent: str
    payload: Any
    topic: str
    partition: int
    offset: str

    @classmethod
    def from_envelope(
        cls, value: bytes, *, traceparent: str | None, topic: str, partition: int, offset: str
    ) -> ReceivedEvent:
        """Decode an envelope; the ``traceparent`` header, when present, wins over the body's.

        Raises ``ValueError`` for a value that is not an envelope.
        """
        data = json.loads(value)
        try:
            return cls(
                event_id=UUID(data["event_id"]),
                name=str(data["name"]),
                version=int(data["version"]),
                occurred_at=datetime.fromisoformat(data["occurred_at"]),
                producer=str(data["producer"]),
                traceparent=traceparent if traceparent is not None else data["traceparent"],
                payload=data["payload"],
                topic=topic,
                partition=partition,
                offset=offset,
            )
        except (KeyError, TypeError, AttributeError) as exc:
            # AttributeError: a field of the wrong JSON type (UUID(123) reads ``.replace``).
            raise ValueError(f"not an event envelope: {exc}") from exc

    def as_message(self) -> OutboxMessage:
        """The event as an (unsaved) outbox message, the form subscribers' delivery takes."""
        return OutboxMessage(
            event_id=self.event_id,
            name=self.name,
            version=self.version,
            producer=self.producer,
            payload=self.payload,
            traceparent=self.traceparent,
            occurred_at=self.occurred_at,
            next_attempt_at=self.occurred_at,
        )


@dataclass(frozen=True)
class Undecodable:
    """A record on a topic that is not an event envelope: it is skipped, and logged."""

    topic: str
    partition: int
    offset: str
    error: str


class BrokerUnavailable(Exception):
    """The broker did not answer; what was not acknowledged is sent again later."""


class BrokerConsumer(Protocol):
    """One consumer group's reader of some topics."""

    def receive(self, *, max_messages: int, timeout: float) -> list[ReceivedEvent | Undecodable]:
        """The next records, in order per partition; waits up to ``timeout`` for the first."""
        ...

    def commit(self) -> None:
        """Record that everything received so far has been applied (or parked)."""
        ...

    def rewind(self) -> None:
        """Receive again, from the start, what was received since the last commit
        (applying it failed half-way: nothing after the failure may be skipped)."""
        ...

    def lag(self) -> dict[str, int]:
        """Records on each topic not yet received by this group (as far as it knows)."""
        ...

    def close(self) -> None: ...


class Broker(Protocol):
    def publish(self, messages: Sequence[OutboxMessage]) -> set[UUID]:
        """Send ``messages`` (in order per key); the ids of those the broker acknowledged.

        Raises ``BrokerUnavailable`` when it acknowledged none for want of an answer.
        """
        ...

    def consumer(self, *, group: str, topics: Sequence[str]) -> BrokerConsumer: ...


@cache
def _broker(url: str) -> Broker:
    scheme = url.split("://", 1)[0]
    if scheme == "kafka":
        from shop.platform.events.kafka import KafkaBroker

        return KafkaBroker(url)
    if scheme in ("redis", "rediss"):
        from shop.platform.events.streams import RedisStreamsBroker

        return RedisStreamsBroker(url)
    raise ImproperlyConfigured(f"EVENTS_BROKER must be kafka://… or redis://…, not {url!r}")


def configured_broker() -> Broker | None:
    """The broker of ``EVENTS_BROKER``, or ``None`` when events stay in-process."""
    return _broker(settings.EVENTS_BROKER) if settings.EVENTS_BROKER else None
