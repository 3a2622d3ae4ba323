"""EVENTS_BROKER=redis://…: the same relay and consumers over Redis Streams."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
from django.db import OperationalError, transaction
from django_redis import get_redis_connection

from shop.platform.events import consumers, publish
from shop.platform.events.broker import configured_broker
from shop.platform.events.consumers import AppConsumer, ConsumeCounts
from shop.platform.events.models import OutboxMessage
from shop.platform.events.relay import relay_batch
from tests.platform.events.scenario import ParcelPacked, effects

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def redis_broker(settings, recorders, worker_delivers_only):
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.EVENTS_BROKER = settings.REDIS_URL
    settings.SHOP_EVENTS_TOPIC_PREFIX = prefix
    stream = f"{prefix}.events.inventory"
    yield stream
    get_redis_connection("default").delete(stream)


def test_events_relayed_to_a_stream_are_applied_once_by_another_apps_group(redis_broker):
    parcels = [uuid.uuid4() for _ in range(5)]
    with transaction.atomic(using="inventory"):
        for parcel_id in parcels:
            publish(ParcelPacked(parcel_id=parcel_id, weight_grams=1))
    broker = configured_broker()

    assert relay_batch("inventory", broker, batch_size=100) == 5
    # As after a relay that died before its mark: everything is sent again.
    OutboxMessage.objects.using("inventory").update(stream_pending=True)
    assert relay_batch("inventory", broker, batch_size=100) == 5

    entries = get_redis_connection("default").xrange(redis_broker)
    assert len(entries) == 10
    assert json.loads(entries[0][1][b"payload"]) == {
        "parcel_id": str(parcels[0]),
        "weight_grams": 1,
    }
    consumer = AppConsumer(broker, app="orders", producers=["inventory"])
    counts = ConsumeCounts()
    for _ in range(3):
        counts += consumer.run_once(max_messages=100, timeout=0.1)

    assert (counts.applied, counts.repeated) == (5, 5)
    assert Counter(parcel_id for parcel_id, _ in effects("orders")) == dict.fromkeys(parcels, 1)
    assert effects("payments") == []  # only the orders group's subscribers ran


def test_a_pass_that_fails_half_way_reads_again_what_it_had_not_applied(
    redis_broker, settings, monkeypatch
):
    settings.SHOP_EVENTS_CONSUMER_ATTEMPTS = 1
    parcels = [uuid.uuid4() for _ in range(3)]
    with transaction.atomic(using="inventory"):
        for parcel_id in parcels:
            publish(ParcelPacked(parcel_id=parcel_id, weight_grams=1))
    broker = configured_broker()
    assert relay_batch("inventory", broker, batch_size=100) == 3
    consumer = AppConsumer(broker, app="orders", producers=["inventory"])
    apply_for_app, calls = consumers.apply_for_app, []

    def second_fails(app, message):
        calls.append(message.event_id)
        if len(calls) == 2:
            raise ValueError("the courier API is away")
        return apply_for_app(app, message)

    def database_away(*args, **kwargs):
        raise OperationalError("the orders database is away")

    with monkeypatch.context() as patched:
        patched.setattr(consumers, "apply_for_app", second_fails)
        patched.setattr(consumers, "park", database_away)
        # The second event fails and cannot even be parked: the pass fails, uncommitted.
        with pytest.raises(OperationalError):
            consumer.run_once(max_messages=100, timeout=0.1)
    assert [parcel_id for parcel_id, _ in effects("orders")] == parcels[:1]

    counts = ConsumeCounts()
    for _ in range(3):
        counts += consumer.run_once(max_messages=100, timeout=0.1)

    assert (counts.repeated, counts.applied) == (1, 2)
    assert Counter(parcel_id for parcel_id, _ in effects("orders")) == dict.fromkeys(parcels, 1)


@pytest.mark.parametrize("url", ["kafka://", "amqp://rabbit:5672", "127.0.0.1:9092"])
def test_a_broker_address_that_is_not_one_fails_the_system_checks(settings, url):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.EVENTS_BROKER = url

    with pytest.raises(SystemCheckError, match=r"shop\.E022"):
        call_command("check")
