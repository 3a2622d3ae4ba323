"""With EVENTS_BROKER set, the outbox is relayed to Kafka topics (a real broker)."""

from __future__ import annotations

import json
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shop.orders.models import Order
from shop.platform.events.models import OutboxMessage
from shop.platform.worker import Worker
from tests.broker import Topics, kafka, own_broker  # noqa: F401  (fixtures)
from tests.e2e.conftest import client_for, place

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]


def relay_until_published(*, timeout: float = 60) -> int:
    """Run worker passes until every outbox message is on the broker; how many passes."""
    worker = Worker(jobs=[])
    deadline = time.monotonic() + timeout
    passes = 0
    while any(unpublished(alias) for alias in ("inventory", "orders", "payments")):
        assert time.monotonic() < deadline, "the relay did not catch up"
        worker.run_pass()
        passes += 1
    return passes


def unpublished(alias: str) -> int:
    return OutboxMessage.objects.using(alias).filter(stream_pending=True).count()


def test_a_confirmed_order_is_on_the_orders_topic_keyed_by_its_id(catalog, kafka, spans):  # noqa: F811
    order_id = place(client_for("alice")).json()["id"]
    assert Order.objects.get(pk=order_id).status == "confirmed"

    relay_until_published()

    [record] = [
        r
        for r in kafka.read("orders", count=1)
        if dict(r.headers())["name"] == b"orders.order_confirmed"
    ]
    outbox = OutboxMessage.objects.using("orders").get(name="orders.order_confirmed")
    assert record.topic() == f"{kafka.prefix}.events.orders"
    assert record.key().decode() == order_id
    envelope = json.loads(record.value())
    assert envelope == {
        "event_id": str(outbox.event_id),
        "name": "orders.order_confirmed",
        "version": 1,
        "occurred_at": outbox.occurred_at.isoformat(),
        "producer": "orders",
        "traceparent": outbox.traceparent,
        "payload": outbox.payload,
    }
    assert envelope["payload"]["order_id"] == order_id
    headers = dict(record.headers())
    assert headers["traceparent"].decode() == outbox.traceparent
    assert outbox.traceparent.startswith("00-")
    assert headers["event_id"].decode() == str(outbox.event_id)
    assert headers["version"] == b"1"


def relay_lag(client, app: str) -> float:
    text = client.get("/metrics").content.decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "shop_events_relay_lag_seconds" and sample.labels == {"app": app}:
                return sample.value
    raise AssertionError("no shop_events_relay_lag_seconds sample for " + app)


def test_while_the_broker_is_down_orders_are_placed_and_relayed_once_it_is_back(
    catalog,
    own_broker,  # noqa: F811
    settings,
    client,
):
    settings.SHOP_EVENTS_PUBLISH_TIMEOUT_SECONDS = 1
    own_broker.stop()
    alice = client_for("alice")

    placed = [place(alice) for _ in range(3)]

    assert [response.status_code for response in placed] == [201, 201, 201]
    Worker(jobs=[]).run_pass()
    assert unpublished("orders") == 3  # each order's confirmation waits in the outbox
    time.sleep(1)
    assert relay_lag(client, "orders") >= 1

    own_broker.start()
    relay_until_published()

    assert relay_lag(client, "orders") == 0
    outbox = OutboxMessage.objects.using("orders").values_list("event_id", flat=True)
    expected = {str(event_id) for event_id in outbox}
    topics = Topics(own_broker.url, settings.SHOP_EVENTS_TOPIC_PREFIX)
    assert set(topics.event_ids("orders", count=len(expected))) == expected
