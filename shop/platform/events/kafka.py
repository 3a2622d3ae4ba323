"""The Kafka adapter of the broker port (confluent-kafka).

Each outbox message goes to ``shop.events.<producer>``, keyed by its aggregate's id
(so one aggregate's events keep their order on one partition), its envelope as a
JSON value, with headers ``traceparent``, ``event_id``, ``name`` and ``version``.
The producer is idempotent with ``acks=all``: a retry inside the client never
doubles a message; a relay that dies after the acknowledgement and before marking
its outbox row sends it again, and inboxes absorb it.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any
from uuid import UUID

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from django.conf import settings

from shop.platform.events.broker import (
    BrokerUnavailable,
    ReceivedEvent,
    Undecodable,
    envelope,
    topic_for,
)
from shop.platform.events.models import OutboxMessage

logger = logging.getLogger(__name__)
# The client library's own log lines (connection attempts…), to tune apart from ours.
client_logger = logging.getLogger(f"{__name__}.client")


def bootstrap_servers(url: str) -> str:
    """``kafka://a:9092,b:9092`` → ``a:9092,b:9092``."""
    servers = url.removeprefix("kafka://").rstrip("/")
    if not servers:
        raise ValueError(f"no broker address in {url!r}")
    return servers


def headers_of(message: OutboxMessage) -> list[tuple[str, bytes]]:
    return [
        ("traceparent", message.traceparent.encode()),
        ("event_id", str(message.event_id).encode()),
        ("name", message.name.encode()),
        ("version", str(message.version).encode()),
    ]


class KafkaBroker:
    """Publishes to and consumes from a Kafka cluster."""

    def __init__(self, url: str) -> None:
        self.servers = bootstrap_servers(url)
        self._producer: Producer | None = None

    def _client_config(self) -> dict[str, Any]:
        return {"bootstrap.servers": self.servers, "logger": client_logger}

    def producer(self) -> Producer:
        if self._producer is None:
            self._producer = Producer(
                {
                    **self._client_config(),
                    "enable.idempotence": True,
                    "acks": "all",
                    "linger.ms": 5,
                    # Then a message counts as failed; the relay sends it again next pass.
                    "message.timeout.ms": int(settings.SHOP_EVENTS_PUBLISH_TIMEOUT_SECONDS * 1000),
                }
            )
        return self._producer

    def publish(self, messages: Sequence[OutboxMessage]) -> set[UUID]:
        acknowledged: set[UUID] = set()
        errors: list[KafkaError] = []

        def on_delivery(event_id: UUID, error: KafkaError | None, record: Message) -> None:
            if error is None:
                acknowledged.add(event_id)
            else:
                errors.append(error)

        producer = self.producer()
        for message in messages:
            record = {
                "topic": topic_for(message.producer),
                "key": message.key.encode() or None,
                "value": json.dumps(envelope(message), separators=(",", ":")).encode(),
                "headers": headers_of(message),
                "on_delivery": partial(on_delivery, message.event_id),
            }
            try:
                producer.produce(**record)
            except BufferError:
                producer.flush(settings.SHOP_EVENTS_PUBLISH_TIMEOUT_SECONDS)
                producer.produce(**record)
        producer.flush()
        if any(error.fatal() for error in errors):
            # An idempotent producer that lost its sequence (say, a broker that forgot
            # it) cannot go on; a new one starts a new sequence.
            logger.error("the Kafka producer failed for good (%s); starting a new one", errors[0])
            self._producer = None
        if errors and not acknowledged:
            raise BrokerUnavailable(str(errors[0]))
        return acknowledged

    def consumer(self, *, group: str, topics: Sequence[str]) -> KafkaConsumer:
        return KafkaConsumer(self._client_config(), group=group, topics=topics)


class KafkaConsumer:
    """One consumer group's reader; offsets are committed only when asked (after the inbox)."""

    def __init__(self, config: dict[str, Any], *, group: str, topics: Sequence[str]) -> None:
        self.group = group
        self.topics = tuple(topics)
        session_ms = int(settings.SHOP_EVENTS_CONSUMER_SESSION_SECONDS * 1000)
        self._consumer = Consumer(
            {
                **config,
                "group.id": group,
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                # A joining consumer waits for the others' heartbeats to be sure of them;
                # short sessions keep that wait (and a dead worker's partitions idle) short.
                "session.timeout.ms": session_ms,
                "heartbeat.interval.ms": max(session_ms // 10, 100),
                # A topic created after the consumer started is seen within seconds.
                "topic.metadata.refresh.interval.ms": 2_000,
                "allow.auto.create.topics": True,
            }
        )
        self._consumer.subscribe(list(self.topics))
        self._uncommitted = False

    def receive(self, *, max_messages: int, timeout: float) -> list[ReceivedEvent | Undecodable]:
        received: list[ReceivedEvent | Undecodable] = []
        for record in self._consumer.consume(num_messages=max_messages, timeout=timeout):
            error = record.error()
            if error is not None:
                if error.code() not in (
                    KafkaError._PARTITION_EOF,
                    KafkaError.UNKNOWN_TOPIC_OR_PART,
                ):
                    logger.warning("consumer %s: %s", self.group, error)
                continue
            self._uncommitted = True
            where = {
                "topic": record.topic(),
                "partition": record.partition(),
                "offset": str(record.offset()),
            }
            headers = {key: value for key, value in record.headers() or [] if value is not None}
            traceparent = headers.get("traceparent")
            try:
                received.append(
                    ReceivedEvent.from_envelope(
                        record.value() or b"",
                        traceparent=traceparent.decode() if traceparent is not None else None,
                        **where,
                    )
                )
            except ValueError as exc:
                received.append(Undecodable(error=str(exc), **where))
        return received

    def commit(self) -> None:
        if not self._uncommitted:
            return
        try:
            self._consumer.commit(asynchronous=False)
        except KafkaException as exc:
            # Partitions taken away meanwhile: their new owner reads again from the
            # last commit, and the inboxes absorb the repeats.
            logger.warning("consumer %s could not commit: %s", self.group, exc)
        self._uncommitted = False

    def lag(self) -> dict[str, int]:
        lag: dict[str, int] = defaultdict(int)
        assigned = self._consumer.assignment()
        if not assigned:
            return {}
        positions = self._consumer.position(assigned)
        unread = [p for p in positions if p.offset < 0]
        committed = {
            (tp.topic, tp.partition): tp.offset
            for tp in (self._consumer.committed(unread, timeout=2) if unread else [])
        }
        for position in positions:
            # The high watermark as the last fetch reported it: no round trip.
            low, high = self._consumer.get_watermark_offsets(
                TopicPartition(position.topic, position.partition), cached=True
            )
            low = max(low, 0)
            # Nothing read yet since the assignment: the group's commit says where it is.
            read = position.offset
            if read < 0:
                read = committed.get((position.topic, position.partition), -1)
            lag[position.topic] += max(high - (read if read >= 0 else low), 0)
        return dict(lag)

    def close(self) -> None:
        self._consumer.close()
