"""The external stream: each delivered event appended to a Redis Stream per producer;
and the Redis Streams adapter of the broker port (``EVENTS_BROKER=redis://…``).

Outside consumers (or an app extracted into its own service) follow
``shop.events.<producer>`` with a consumer group. Appends are at least once: an
append that fails is flagged on the outbox row and retried by the worker, and an
append followed by a crash before the outbox commit is repeated, so consumers
de-duplicate by ``event_id``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings

from shop.platform.events import metrics
from shop.platform.events.broker import (
    BrokerUnavailable,
    ReceivedEvent,
    Undecodable,
    topic_for,
)
from shop.platform.events.models import OutboxMessage

logger = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether delivered events go to Redis too (``REDIS_URL`` is set, and no broker:
    with ``EVENTS_BROKER`` set, the relay publishes every event through it)."""
    return bool(settings.REDIS_URL) and not settings.EVENTS_BROKER


def stream_name(producer: str) -> str:
    """The producer's stream: its broker topic's name, so both follow the topic prefix."""
    return topic_for(producer)


def envelope_fields(message: OutboxMessage) -> dict[str, str]:
    """The stream entry of ``message``: its envelope, with the payload as JSON."""
    return {
        "event_id": str(message.event_id),
        "name": message.name,
        "version": str(message.version),
        "occurred_at": message.occurred_at.isoformat(),
        "producer": message.producer,
        "traceparent": message.traceparent,
        "payload": json.dumps(message.payload, separators=(",", ":"), sort_keys=True),
    }


def append(message: OutboxMessage) -> bool:
    """Append ``message`` to its producer's stream; ``False`` (logged, counted) on failure."""
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").xadd(
            stream_name(message.producer),
            envelope_fields(message),
            maxlen=settings.SHOP_EVENTS_STREAM_MAXLEN,
            approximate=True,
        )
    except Exception:
        logger.warning(
            "cannot append %s %s to the event stream; will retry",
            message.name,
            message.event_id,
            exc_info=True,
        )
        metrics.stream_append_failures.labels(producer=message.producer).inc()
        return False
    return True


class BatchAppender:
    """Appends for one batch: after a failure, the rest of the batch is only flagged.

    Redis being away then costs one timeout per batch, not one per message.
    """

    def __init__(self) -> None:
        self.redis_answers = True

    def append(self, message: OutboxMessage) -> bool:
        if self.redis_answers:
            self.redis_answers = append(message)
        return self.redis_answers


class RedisStreamsBroker:
    """The broker port over Redis Streams: a stream per producer, a group per app."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)

    def publish(self, messages: Sequence[OutboxMessage]) -> set[UUID]:
        import redis

        acknowledged: set[UUID] = set()
        for message in messages:
            fields: dict[Any, Any] = envelope_fields(message)
            try:
                self.client.xadd(
                    topic_for(message.producer),
                    fields,
                    maxlen=settings.SHOP_EVENTS_STREAM_MAXLEN,
                    approximate=True,
                )
            except redis.RedisError as exc:
                if not acknowledged:
                    raise BrokerUnavailable(str(exc)) from exc
                break  # The rest waits for the next pass, in order.
            acknowledged.add(message.event_id)
        return acknowledged

    def consumer(self, *, group: str, topics: Sequence[str]) -> RedisStreamsConsumer:
        return RedisStreamsConsumer(self.client, group=group, topics=topics)


class RedisStreamsConsumer:
    """A member of consumer group ``group`` on each stream; acknowledges on commit.

    Entries a dead member took and never acknowledged are claimed again once they
    have been idle for ``SHOP_EVENTS_CLAIM_SECONDS``.
    """

    def __init__(self, client, *, group: str, topics: Sequence[str]) -> None:
        import redis

        self.client, self.group, self.topics = client, group, tuple(topics)
        self.member = f"{socket.gethostname()}:{os.getpid()}"
        self._received: list[tuple[str, str]] = []
        # After a rewind, this member's own unacknowledged entries are read first.
        self._reread_pending = False
        for topic in self.topics:
            try:
                self.client.xgroup_create(topic, group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    def receive(self, *, max_messages: int, timeout: float) -> list[ReceivedEvent | Undecodable]:
        entries: list[tuple[str, bytes, dict]] = []
        idle_ms = int(settings.SHOP_EVENTS_CLAIM_SECONDS * 1000)
        for topic in self.topics:
            _next, claimed, *_ = self.client.xautoclaim(
                topic, self.group, self.member, min_idle_time=idle_ms, count=max_messages
            )
            entries += [(topic, entry_id, fields) for entry_id, fields in claimed if fields]
        if not entries:
            start = "0" if self._reread_pending else ">"
            self._reread_pending = False
            streams = {topic: start for topic in self.topics}
            for stream, read in (
                self.client.xreadgroup(
                    self.group, self.member, streams, count=max_messages, block=int(timeout * 1000)
                )
                or []
            ):
                entries += [(stream.decode(), entry_id, fields) for entry_id, fields in read]
        received: list[ReceivedEvent | Undecodable] = []
        for topic, entry_id, fields in entries:
            offset = entry_id.decode()
            self._received.append((topic, offset))
            try:
                text = {key.decode(): value.decode() for key, value in fields.items()}
                received.append(
                    ReceivedEvent(
                        event_id=UUID(text["event_id"]),
                        name=text["name"],
                        version=int(text["version"]),
                        occurred_at=datetime.fromisoformat(text["occurred_at"]),
                        producer=text["producer"],
                        traceparent=text.get("traceparent", ""),
                        payload=json.loads(text["payload"]),
                        topic=topic,
                        partition=0,
                        offset=offset,
                    )
                )
            except (KeyError, ValueError, UnicodeDecodeError) as exc:
                received.append(
                    Undecodable(
                        topic=topic, partition=0, offset=offset, error=f"not an event entry: {exc}"
                    )
                )
        return received

    def commit(self) -> None:
        for topic, entry_id in self._received:
            self.client.xack(topic, self.group, entry_id)
        self._received.clear()

    def rewind(self) -> None:
        self._received.clear()
        self._reread_pending = True

    def lag(self) -> dict[str, int]:
        lag: dict[str, int] = {}
        for topic in self.topics:
            for group in self.client.xinfo_groups(topic):
                if group["name"].decode() == self.group:
                    lag[topic] = int(group.get("lag") or 0) + int(group.get("pending") or 0)
        return lag

    def close(self) -> None:
        self.client.close()
