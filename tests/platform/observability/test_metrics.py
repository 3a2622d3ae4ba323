"""``/metrics`` speaks Prometheus text, labelled by route templates, never raw paths."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from shop.platform.events.models import OutboxMessage
from shop.platform.telemetry import metrics

pytestmark = pytest.mark.urls("tests.platform.observability.urls")

FAKES = "tests.platform.observability.fakes"


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def samples(text):
    """``{(name, frozenset(labels.items())): value}`` of every sample in ``text``."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text, name, **labels):
    return samples(text).get((name, frozenset(labels.items())), 0.0)


@pytest.mark.django_db(databases="__all__")
def test_requests_are_counted_by_route_template_method_and_status(client):
    thing_ids = [uuid.uuid4(), uuid.uuid4()]
    route = "observability-test/things/<uuid:thing_id>/"
    before = scrape(client)

    for thing_id in thing_ids:
        assert client.get(f"/observability-test/things/{thing_id}/").status_code == 200
    assert client.get("/not/a/route/12345").status_code == 404
    after = scrape(client)

    labels = {"route": route, "method": "GET", "status": "200"}
    assert (
        value(after, "shop_http_requests_total", **labels)
        - value(before, "shop_http_requests_total", **labels)
        == 2
    )
    assert (
        value(after, "shop_http_request_duration_seconds_count", **labels)
        - value(before, "shop_http_request_duration_seconds_count", **labels)
        == 2
    )
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert (
        value(after, "shop_http_requests_total", **unmatched)
        - value(before, "shop_http_requests_total", **unmatched)
        == 1
    )
    assert not any(str(thing_id) in after for thing_id in thing_ids)
    assert "12345" not in after


@pytest.mark.django_db(databases="__all__")
def test_unhandled_exceptions_are_counted_by_class():
    client = Client(raise_request_exception=False)
    labels = {"route": "observability-test/crash/", "method": "GET", "exception": "RuntimeError"}
    before = value(scrape(client), "shop_http_exceptions_total", **labels)

    client.get("/observability-test/crash/")

    assert value(scrape(client), "shop_http_exceptions_total", **labels) == before + 1


@pytest.mark.django_db(databases="__all__")
def test_binding_calls_are_timed_by_contract_method_and_outcome(client, settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{FAKES}.SoldOutInventory",
    }
    refused = {"contract": "inventory", "method": "reserve", "outcome": "InsufficientStock"}
    name = "shop_binding_call_duration_seconds_count"
    before = value(scrape(client), name, **refused)

    client.post("/observability-test/orders/")

    assert value(scrape(client), name, **refused) == before + 1


@pytest.mark.django_db(databases="__all__")
def test_outbox_lag_is_the_age_of_the_oldest_waiting_message_and_parked_are_counted(client):
    now = timezone.now()

    def message(minutes_ago, **state):
        return OutboxMessage(
            event_id=uuid.uuid4(),
            name="inventory.stock_low",
            version=1,
            producer="inventory",
            payload={},
            occurred_at=now - timedelta(minutes=minutes_ago),
            next_attempt_at=now,
            **state,
        )

    OutboxMessage.objects.using("inventory").bulk_create(
        [
            message(60, delivered_at=now),
            message(50, parked_at=now, attempts=8),
            message(3),
            message(1),
        ]
    )

    text = scrape(client)

    assert 180 <= value(text, "shop_outbox_lag_seconds", app="inventory") < 240
    assert value(text, "shop_outbox_undelivered_messages", app="inventory") == 2
    assert value(text, "shop_outbox_parked_messages", app="inventory") == 1
    assert ("shop_outbox_lag_seconds", frozenset({("app", "orders")})) in samples(text)
    assert value(text, "shop_outbox_lag_seconds", app="orders") == 0


@pytest.mark.django_db(databases="__all__")
def test_an_app_can_expose_a_gauge_read_at_scrape_time(client, monkeypatch):
    monkeypatch.setattr(metrics, "_scrape_gauges", {})
    oldest = {"seconds": 42.0}

    @metrics.gauge_at_scrape("shop_orders_pending_oldest_seconds", "Oldest pending order.")
    def oldest_pending():
        return oldest["seconds"]

    @metrics.gauge_at_scrape("shop_broken", "Raises.")
    def broken():
        raise RuntimeError("no answer")

    assert value(scrape(client), "shop_orders_pending_oldest_seconds") == 42.0
    oldest["seconds"] = 7.5
    text = scrape(client)
    assert value(text, "shop_orders_pending_oldest_seconds") == 7.5
    assert "shop_broken" not in text
