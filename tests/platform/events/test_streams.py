"""Delivered events also go to a Redis Stream per producer, at least once."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.db import transaction
from django_redis import get_redis_connection
from prometheus_client import REGISTRY

from shop.platform.events import publish
from shop.platform.events.models import OutboxMessage
from tests.platform.events.scenario import ParcelPacked

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

STREAM = "shop.events.inventory"


@pytest.fixture
def redis(settings):
    assert settings.REDIS_URL, "the tests run with REDIS_URL set"
    connection = get_redis_connection("default")
    connection.delete(STREAM)
    yield connection
    connection.delete(STREAM)


def publish_parcel() -> tuple[uuid.UUID, uuid.UUID]:
    parcel_id = uuid.uuid4()
    with transaction.atomic(using="inventory"):
        event_id = publish(ParcelPacked(parcel_id=parcel_id, weight_grams=700))
    return event_id, parcel_id


def run_worker_once() -> str:
    out = io.StringIO()
    call_command("run_worker", "--once", stdout=out)
    return out.getvalue()


def entries(redis) -> list[dict[str, str]]:
    return [
        {key.decode(): value.decode() for key, value in fields.items()}
        for _, fields in redis.xrange(STREAM)
    ]


def test_a_delivered_event_is_appended_to_its_producers_stream(
    redis, recorders, worker_delivers_only
):
    event_id, parcel_id = publish_parcel()

    run_worker_once()

    message = OutboxMessage.objects.using("inventory").get()
    [entry] = entries(redis)
    assert entry == {
        "event_id": str(event_id),
        "name": "testing.parcel_packed",
        "version": "1",
        "occurred_at": message.occurred_at.isoformat(),
        "producer": "inventory",
        "traceparent": message.traceparent,
        "payload": json.dumps(
            {"parcel_id": str(parcel_id), "weight_grams": 700}, separators=(",", ":")
        ),
    }
    assert not message.stream_pending


def test_a_consumer_group_follows_the_stream(redis, recorders, settings):
    settings.SHOP_EVENTS_DELIVER_ON_COMMIT = True
    redis.xgroup_create(STREAM, "billing", id="0", mkstream=True)
    event_id, _ = publish_parcel()  # delivered in-process after commit

    [(stream, [(entry_id, fields)])] = redis.xreadgroup(
        "billing", "billing-1", {STREAM: ">"}, count=10
    )
    assert stream.decode() == STREAM
    assert fields[b"event_id"].decode() == str(event_id)
    assert redis.xack(STREAM, "billing", entry_id) == 1


def test_while_redis_is_away_delivery_goes_on_and_the_stream_catches_up(
    redis, recorders, settings, worker_delivers_only
):
    def failures() -> float:
        labels = {"producer": "inventory"}
        return REGISTRY.get_sample_value("shop_events_stream_append_failures_total", labels) or 0

    failures_before = failures()
    working_caches = settings.CACHES
    unreachable = {**working_caches["default"], "LOCATION": "redis://127.0.0.1:9/0"}
    settings.CACHES = {"default": unreachable}
    event_ids = [publish_parcel()[0] for _ in range(3)]

    call_command("run_worker", "--once", stdout=io.StringIO())

    outbox = OutboxMessage.objects.using("inventory").order_by("occurred_at")
    assert all(m.delivered_at and m.stream_pending for m in outbox)
    # One try for the delivery batch, one for the catch-up: not one per message.
    assert failures() == failures_before + 2

    settings.CACHES = working_caches
    assert "re-streamed 3" in run_worker_once()

    assert [entry["event_id"] for entry in entries(redis)] == [str(e) for e in event_ids]
    assert not outbox.filter(stream_pending=True).exists()


def test_a_stream_is_trimmed_to_about_its_maximum_length(redis, settings, worker_delivers_only):
    settings.SHOP_EVENTS_STREAM_MAXLEN = 10
    with transaction.atomic(using="inventory"):
        for _ in range(300):
            publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1))

    out = io.StringIO()
    call_command("run_worker", "--once", "--batch-size", "300", stdout=out)

    assert "delivered 300" in out.getvalue()
    # "MAXLEN ~" trims whole nodes of entries: about the maximum, far below 300.
    assert 10 <= redis.xlen(STREAM) <= 200
