"""contracts.orders.OrdersService, as every binding of it keeps it.

No app's tests bind a fake of orders, so its suite runs on the facade and gRPC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from rest_framework.test import APIClient

from contracts.common import Money
from contracts.inventory import InventoryService
from contracts.orders import OrderLine, OrdersService, OrderStatus
from shop.platform.accounts import ensure_customer
from shop.platform.bindings import bound
from shop.platform.rpc.conf import client_path
from tests.contracts.conftest import bind

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(params=["facade", "grpc"])
def orders(request, settings) -> OrdersService:
    bind(
        request,
        settings,
        contract="contracts.orders.OrdersService",
        client=client_path("contracts.orders.OrdersService"),
        url_setting="ORDERS_SERVICE_URL",
        fake="",
    )
    return bound(OrdersService)


@pytest.fixture
def placed_order() -> tuple[UUID, int]:
    inventory = bound(InventoryService)
    inventory.create_product(sku="TEE-BLACK-M", name="T-shirt", price=Money(1990, "EUR"), stock=9)
    inventory.create_product(sku="MUG-WHITE", name="Mug", price=Money(500, "EUR"), stock=9)
    customer_id, token, _ = ensure_customer(username="alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    lines = [{"sku": "TEE-BLACK-M", "quantity": 2}, {"sku": "MUG-WHITE", "quantity": 1}]
    response = client.post(
        "/api/v1/orders/",
        {"lines": lines, "payment_method": "pm_card_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
    )
    assert response.status_code == 201, response.content
    return UUID(response.json()["id"]), customer_id


def test_an_order_reads_back_with_its_lines_total_and_times(orders, placed_order):
    order_id, customer_id = placed_order
    now = datetime.now(UTC)

    order = orders.get_order(order_id=order_id)

    assert order.order_id == order_id
    assert order.customer_id == customer_id
    assert order.status == OrderStatus.CONFIRMED
    assert sorted(order.lines, key=str) == sorted(
        [
            OrderLine("TEE-BLACK-M", 2, Money(1990, "EUR")),
            OrderLine("MUG-WHITE", 1, Money(500, "EUR")),
        ],
        key=str,
    )
    assert order.total == Money(4480, "EUR")
    assert now - timedelta(minutes=1) < order.created_at <= order.updated_at
    assert order.created_at.tzinfo is not None


def test_an_unknown_order_is_none(orders):
    assert orders.get_order(order_id=uuid4()) is None
