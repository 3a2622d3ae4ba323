"""Events received from Kafka (a real broker) are applied once, in order, or parked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connections, transaction
from prometheus_client import REGISTRY

from shop.platform.events import publish, subscriber
from shop.platform.events.broker import configured_broker
from shop.platform.events.consumers import AppConsumer, ConsumeCounts
from shop.platform.events.models import InboxMessage, OutboxMessage, ParkedConsumerMessage
from shop.platform.events.relay import relay_batch
from tests.broker import kafka  # noqa: F401  (fixture)
from tests.platform.events.scenario import ParcelPacked, create_effects_tables, effects

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def publish_packings(parcels: list[uuid.UUID], *, steps: int) -> None:
    """``steps`` events per parcel, interleaved; ``weight_grams`` numbers them per parcel."""
    with transaction.atomic(using="inventory"):
        for step in range(steps):
            for parcel_id in parcels:
                publish(ParcelPacked(parcel_id=parcel_id, weight_grams=step))


def relay_all() -> int:
    relayed = 0
    while batch := relay_batch("inventory", configured_broker(), batch_size=500):
        relayed += batch
    return relayed


def consume_until(consumer: AppConsumer, done, *, timeout: float = 90) -> ConsumeCounts:
    """Run the consumer until ``done(counts)``; fails after ``timeout`` (a group join takes
    seconds)."""
    counts = ConsumeCounts()
    deadline = time.monotonic() + timeout
    while not done(counts):
        assert time.monotonic() < deadline, f"timed out with {counts}"
        counts += consumer.run_once(max_messages=500, timeout=0.5)
    return counts


@pytest.fixture
def orders_consumer(kafka, worker_delivers_only):  # noqa: F811
    """The orders app's consumer group over the inventory topic, as in a process where
    inventory is not installed; events stay in the outbox until relayed."""
    create_effects_tables()
    consumer = AppConsumer(configured_broker(), app="orders", producers=["inventory"])
    yield consumer
    consumer.close()


def test_events_of_one_parcel_are_applied_in_publication_order_in_the_publishers_trace(
    orders_consumer, spans, settings
):
    applied: list[tuple[uuid.UUID, int]] = []

    @subscriber(ParcelPacked, app="orders")
    def follow(event: ParcelPacked) -> None:
        applied.append((event.parcel_id, event.weight_grams))

    parcels = [uuid.uuid4() for _ in range(4)]
    publish_packings(parcels, steps=25)
    assert relay_all() == 100

    consume_until(orders_consumer, lambda counts: counts.applied == 100)

    for parcel_id in parcels:
        assert [step for p, step in applied if p == parcel_id] == list(range(25))
    # Each handling continues its publisher's trace, carried by the traceparent header.
    handled = {
        span.parent.span_id: span
        for span in spans.get_finished_spans()
        if span.name == "event.handle testing.parcel_packed"
    }
    assert len(handled) == 100
    for message in OutboxMessage.objects.using("inventory"):
        _version, trace_id, span_id, _flags = message.traceparent.split("-")
        span = handled[int(span_id, 16)]
        assert span.context.trace_id == int(trace_id, 16)

    publish_packings(parcels, steps=2)
    relay_all()
    topic = f"{settings.SHOP_EVENTS_TOPIC_PREFIX}.events.inventory"
    deadline = time.monotonic() + 30
    # (Tansu's high watermarks count batches loosely: more than 0 is all one can expect.)
    while not orders_consumer.reader.lag().get(topic):  # the broker reports them shortly
        assert time.monotonic() < deadline, orders_consumer.reader.lag()
        time.sleep(0.2)
    orders_consumer._next_survey = 0  # report now, not in two seconds
    consume_until(orders_consumer, lambda counts: counts.applied == 8)
    orders_consumer._next_survey = 0
    orders_consumer.run_once(max_messages=10, timeout=0.1)
    labels = {"group": f"{settings.SHOP_EVENTS_TOPIC_PREFIX}.orders", "topic": topic}
    assert REGISTRY.get_sample_value("shop_events_consumer_lag_messages", labels) == 0


def database_environment() -> dict[str, str]:
    env = dict(os.environ)
    for alias in connections:
        db = connections[alias].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url
    return env


RELAY_THEN_DIE = """
import os, signal, django
django.setup()
from shop.platform.events import kafka, relay
from shop.platform.events.broker import configured_broker

publish = kafka.KafkaBroker.publish

def publish_then_die(self, messages):
    publish(self, messages)  # acknowledged by the broker...
    os.kill(os.getpid(), signal.SIGKILL)  # ...and the outbox never marked

kafka.KafkaBroker.publish = publish_then_die
relay.relay_batch("inventory", configured_broker(), batch_size=100)
"""


def test_a_relay_killed_after_the_broker_acknowledged_repeats_what_the_inbox_absorbs(
    orders_consumer, recorders, settings
):
    parcels = [uuid.uuid4() for _ in range(10)]
    publish_packings(parcels, steps=1)
    env = {
        **database_environment(),
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "EVENTS_BROKER": settings.EVENTS_BROKER,
        "SHOP_EVENTS_TOPIC_PREFIX": settings.SHOP_EVENTS_TOPIC_PREFIX,
    }

    relay = subprocess.run(
        [sys.executable, "-c", RELAY_THEN_DIE], cwd=ROOT, env=env, capture_output=True, timeout=120
    )

    assert relay.returncode == -signal.SIGKILL, relay.stderr.decode()[-2000:]
    assert OutboxMessage.objects.using("inventory").filter(stream_pending=True).count() == 10
    assert relay_all() == 10  # the next relay sends them all again

    counts = consume_until(orders_consumer, lambda counts: counts.total == 20)

    assert (counts.applied, counts.repeated) == (10, 10)
    assert Counter(parcel_id for parcel_id, _ in effects("orders")) == dict.fromkeys(parcels, 1)
    assert InboxMessage.objects.using("orders").count() == 10


def test_a_poison_message_is_parked_the_partition_moves_on_and_a_redrive_applies_it_once(
    orders_consumer, settings, admin_client
):
    settings.SHOP_EVENTS_CONSUMER_ATTEMPTS = 2
    carrier = {"up": False}
    applied: list[int] = []

    @subscriber(ParcelPacked, app="orders")
    def book_courier(event: ParcelPacked) -> None:
        if event.weight_grams == 1 and not carrier["up"]:
            raise ConnectionError("courier API refuses parcel")
        applied.append(event.weight_grams)

    publish_packings([uuid.uuid4()], steps=3)  # one parcel: one partition
    relay_all()

    counts = consume_until(orders_consumer, lambda counts: counts.total == 3)

    assert (counts.applied, counts.parked) == (2, 1)
    assert applied == [0, 2]
    parked = ParkedConsumerMessage.objects.using("orders").get()
    assert parked.attempts == 2
    assert parked.last_error == "ConnectionError: courier API refuses parcel"
    assert parked.group == f"{settings.SHOP_EVENTS_TOPIC_PREFIX}.orders"
    metrics = admin_client.get("/metrics").content.decode()
    assert 'shop_events_consumer_parked_messages{app="orders"} 1.0' in metrics
    listed = admin_client.get("/admin/events/parkedconsumermessage/?database=orders")
    assert str(parked.event_id) in listed.content.decode()

    carrier["up"] = True
    response = admin_client.post(
        "/admin/events/parkedconsumermessage/?database=orders",
        {"action": "redrive_parked", "_selected_action": [str(parked.pk)]},
        follow=True,
    )
    assert "1 parked message(s) of the orders database will be applied again" in (
        response.content.decode()
    )
    counts = consume_until(orders_consumer, lambda counts: counts.redriven == 1)
    assert orders_consumer.run_once(max_messages=500, timeout=0.5).total == 0

    assert applied == [0, 2, 1]
    parked.refresh_from_db()
    assert parked.applied_at is not None
    metrics = admin_client.get("/metrics").content.decode()
    assert 'shop_events_consumer_parked_messages{app="orders"} 0.0' in metrics
