"""Orders' tests: inventory and payments bound to the in-memory fakes of fakes.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db.models import F
from rest_framework.test import APIClient

from shop.orders.models import Order
from shop.platform import accounts
from tests.orders import fakes


@dataclass
class Fakes:
    inventory: fakes.FakeInventory
    payments: fakes.FakePayments


@pytest.fixture(autouse=True)
def bound_fakes(settings) -> Fakes:
    fakes.INVENTORY = fakes.FakeInventory()
    fakes.PAYMENTS = fakes.FakePayments()
    fakes.INVENTORY.add("TEE-BLACK-M", price=1250, stock=100)
    fakes.INVENTORY.add("MUG-WHITE", price=899, stock=100)
    fakes.INVENTORY.add("POSTER-USD", price=1500, stock=100, currency="USD")
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": "tests.orders.fakes.INVENTORY",
        "contracts.payments.PaymentsService": "tests.orders.fakes.PAYMENTS",
    }
    return Fakes(fakes.INVENTORY, fakes.PAYMENTS)


@pytest.fixture(autouse=True)
def clear_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def customer_client(
    username: str, *, staff: bool = False, permissions: tuple[str, ...] = ()
) -> tuple[APIClient, int]:
    """A token client; ``permissions`` are orders' codenames granted to the user."""
    customer_id, token, _ = accounts.ensure_customer(username=username, staff=staff)
    get_user_model().objects.get(pk=customer_id).user_permissions.add(
        *(
            Permission.objects.get(content_type__app_label="orders", codename=codename)
            for codename in permissions
        )
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client, customer_id


@pytest.fixture
def alice() -> APIClient:
    return customer_client("alice")[0]


@pytest.fixture
def bob() -> APIClient:
    return customer_client("bob")[0]


@pytest.fixture
def staff() -> APIClient:
    """Staff who may ship and refund."""
    return customer_client("staffer", staff=True, permissions=("ship_order", "refund_order"))[0]


def place(client: APIClient, lines=None, *, key: str | None = None, method="pm_card_visa"):
    body = {"lines": lines or [{"sku": "TEE-BLACK-M", "quantity": 2}], "payment_method": method}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/api/v1/orders/", body, format="json", **headers)


def age_orders(seconds: int) -> None:
    """Move every order's clock back, as if ``seconds`` had passed."""
    delta = timedelta(seconds=seconds)
    Order.objects.update(created_at=F("created_at") - delta)
    Order.objects.filter(driven_until__isnull=False).update(driven_until=F("driven_until") - delta)
