"""End-to-end: orders with the real inventory and payments apps, over the API."""

from __future__ import annotations

from uuid import UUID

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from contracts.common import Money
from contracts.inventory import InventoryService
from contracts.payments import PaymentsService
from shop.orders.models import Order
from shop.platform.accounts import ensure_customer
from shop.platform.bindings import bound
from shop.platform.roles import ensure_staff_groups


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Fixtures see how the test went (the browser tests keep a screenshot of a failure).
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def clean_cache(settings):
    # Payments refuse provider calls inside a transaction, so these tests commit for
    # real; the catalog cache must not outlive the rows it caches.
    settings.PAYMENTS_SIMULATOR = {}
    settings.PAYMENTS_RESOLVE_AFTER_SECONDS = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog() -> InventoryService:
    inventory = bound(InventoryService)
    inventory.create_product(sku="TEE-BLACK-M", name="T-shirt", price=Money(1990, "EUR"), stock=100)
    inventory.create_product(sku="LAST-ONES", name="Rare", price=Money(500, "EUR"), stock=10)
    return inventory


def client_for(
    username: str, *, staff: bool = False, roles: tuple[str, ...] | None = None
) -> APIClient:
    """A token client; staff join ``roles`` (by default the warehouse and finance groups)."""
    if roles is None:
        roles = ("warehouse", "finance") if staff else ()
    if roles:
        ensure_staff_groups()
    _, token, _ = ensure_customer(username=username, staff=staff, roles=roles)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def place(client: APIClient, sku="TEE-BLACK-M", quantity=2, *, key=None, method="pm_card_visa"):
    body = {"lines": [{"sku": sku, "quantity": quantity}], "payment_method": method}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/orders/", body, format="json", **headers)


class Crash(Exception):
    """Stands for the process dying at that point."""


def state(order_id) -> tuple[str, str | None, str | None]:
    """The order's status with its reservation and payment, as each app reports them."""
    order_id = UUID(str(order_id))
    reservation = bound(InventoryService).get_reservation(order_id=order_id)
    payment = bound(PaymentsService).get(order_id=order_id)
    return (
        Order.objects.get(pk=order_id).status,
        None if reservation is None else str(reservation.state),
        None if payment is None else str(payment.status),
    )


def available(sku="TEE-BLACK-M") -> int:
    return bound(InventoryService).get_products(skus=[sku])[sku].available
