"""One app's database stops answering: placement answers 503, catalog reads go on, and
nothing is half-written that a retry or the reconciler cannot finish."""

from __future__ import annotations

import socket

import pytest
from django.db import connections

from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_orders
from tests.e2e.audit import assert_audit_finds_nothing
from tests.e2e.conftest import available, client_for, place, state

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def stop_database(monkeypatch):
    """Point an alias at a port nobody listens on; its next query fails to connect."""

    def stop(alias: str) -> None:
        connections[alias].close()
        monkeypatch.setitem(connections[alias].settings_dict, "PORT", str(closed_port()))

    def restart(alias: str) -> None:
        connections[alias].close()
        monkeypatch.undo()

    stop.restart = restart
    return stop


def assert_service_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"].isdigit()
    assert response.json()["type"].endswith("/service-unavailable")
    assert "Traceback" not in response.content.decode()


def test_with_payments_database_down_placement_is_503_and_the_retry_finishes_it(
    catalog, client, stop_database
):
    alice = client_for("alice")
    stop_database("payments")

    refused = place(alice, key="during-the-outage")
    listed = client.get("/api/v1/products/")

    assert_service_unavailable(refused)
    assert refused.json()["service"] == "payments"
    assert listed.status_code == 200
    assert client.get("/api/v1/products/TEE-BLACK-M/").status_code == 200
    (order,) = Order.objects.all()
    stop_database.restart("payments")
    # Nothing was charged; the stock waits for the retry (or the reconciler).
    assert state(order.pk) == ("pending", "reserved", None)

    retried = place(alice, key="during-the-outage")

    assert retried.status_code == 201, retried.content
    assert retried.json()["id"] == str(order.pk)
    assert state(order.pk) == ("confirmed", "reserved", "authorized")
    assert available() == 98
    assert_audit_finds_nothing()


def test_with_orders_database_down_placement_is_503_and_nothing_is_reserved(
    catalog, client, stop_database
):
    alice = client_for("alice")
    stop_database("orders")

    refused = place(alice, key="orders-away")

    assert_service_unavailable(refused)
    assert client.get("/api/v1/products/").status_code == 200
    stop_database.restart("orders")
    assert Order.objects.count() == 0
    assert available() == 100
    assert place(alice, key="orders-away").status_code == 201
    assert_audit_finds_nothing()


def test_the_reconciler_settles_an_order_left_pending_by_an_outage(
    catalog, stop_database, settings
):
    alice = client_for("alice")
    stop_database("payments")
    assert_service_unavailable(place(alice, key="abandoned"))
    (order,) = Order.objects.all()

    settings.ORDERS_PENDING_DEADLINE_SECONDS = 0
    Order.objects.update(driven_until=None)  # the client never came back
    assert reconcile_orders()["waiting"] == 1
    stop_database.restart("payments")
    assert state(order.pk) == ("pending", "reserved", None)

    assert reconcile_orders()["rejected"] == 1
    assert state(order.pk) == ("rejected", "released", None)
    assert available() == 100
    assert_audit_finds_nothing()
