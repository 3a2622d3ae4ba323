"""Free products (price 0.00): API.md confirms their orders without asking the provider."""

import pytest

from contracts.orders import OrderStatus
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.providers.simulated import SimulatedProviderCall
from tests.e2e.conftest import client_for

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def free_sample():
    staff = client_for("staffer", staff=True)
    created = staff.post(
        "/api/v1/products/",
        {
            "sku": "SAMPLE",
            "name": "Sample",
            "price": {"amount": "0.00", "currency": "EUR"},
            "stock": 5,
        },
        format="json",
    )
    assert created.status_code == 201
    return staff


def test_an_order_of_free_products_is_confirmed_without_a_payment(free_sample):
    alice = client_for("alice")
    body = {"lines": [{"sku": "SAMPLE", "quantity": 2}], "payment_method": "pm_card_visa"}

    for attempt in range(2):  # the retry gets the same answer, never a 500
        response = alice.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="free")
        assert response.status_code == 201, (attempt, response.content)

    order = response.json()
    assert order["status"] == "confirmed"
    assert order["total"] == {"amount": "0.00", "currency": "EUR"}
    assert order["payment"]["status"] == "not_required"
    assert Order.objects.get().status == OrderStatus.CONFIRMED
    assert not Payment.objects.exists()
    assert not SimulatedProviderCall.objects.exists()
    assert alice.get("/api/v1/products/SAMPLE/").json()["available"] == 3


def test_a_free_order_ships_and_refunds_without_moving_money(free_sample):
    alice = client_for("alice")
    body = {"lines": [{"sku": "SAMPLE", "quantity": 1}], "payment_method": "pm_card_visa"}
    order_id = alice.post("/api/v1/orders/", body, format="json").json()["id"]

    shipped = free_sample.post(f"/api/v1/orders/{order_id}/ship/")
    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["status"] == "shipped"
    refunded = free_sample.post(f"/api/v1/orders/{order_id}/refund/")
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["status"] == "refunded"
    assert not Payment.objects.exists()
