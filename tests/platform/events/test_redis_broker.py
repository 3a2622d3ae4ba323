"""EVENTS_BROKER=redis://…: the same relay and consumers over Redis Streams."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
from django.db import transaction
from django_redis import get_redis_connection

from shop.platform.events import publish
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


@pytest.mark.parametrize("url", ["kafka://", "amqp://rabbit:5672", "127.0.0.1:9092"])
def test_a_broker_address_that_is_not_one_fails_the_system_checks(settings, url):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.EVENTS_BROKER = url

    with pytest.raises(SystemCheckError, match=r"shop\.E022"):
        call_command("check")
