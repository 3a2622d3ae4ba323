"""A refund the provider reports (made at its dashboard) reaches the order.

A signed ``charge.refunded`` webhook makes payments publish ``PaymentRefunded``; orders
moves a shipped order refunded in full to ``refunded``, once, and leaves it ``shipped``
after a partial refund. The order's own refund causes the same event, which changes nothing.
Money given back in full while the order was being shipped, before its stock left, calls
the sale off: the order ends ``cancelled`` with its stock released.
"""

import json
import time

import pytest
from django.test import Client

from contracts.payments import PaymentsService
from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_orders
from shop.payments.signatures import sign
from shop.platform.bindings import bound
from shop.platform.events.delivery import deliver_batch
from shop.platform.events.models import InboxMessage, OutboxMessage
from tests.e2e.audit import assert_audit_finds_nothing
from tests.e2e.conftest import available, client_for, place, state

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

SECRET = "whsec_test_secret"
HANDLER = "shop.orders.handlers.refund_order_refunded_at_provider"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.PAYMENTS_WEBHOOK_SECRET = SECRET


@pytest.fixture
def shipped(catalog) -> str:
    alice, staff = client_for("alice"), client_for("staff", staff=True)
    order_id = place(alice).json()["id"]
    assert staff.post(f"/api/v1/orders/{order_id}/ship/").status_code == 200
    assert state(order_id) == ("shipped", "committed", "captured")
    return order_id


def refunded_at_provider(order_id, *, event_id="evt_refund_1", amount=None):
    """The provider's signed ``charge.refunded`` webhook; returns the outcome."""
    reference = bound(PaymentsService).get(order_id=order_id).provider_reference
    data = {"charge": reference} | ({} if amount is None else {"amount": amount})
    body = json.dumps({"id": event_id, "type": "charge.refunded", "data": data}).encode()
    response = Client().post(
        "/api/v1/payments/webhooks/simulated/",
        data=body,
        content_type="application/json",
        headers={"Shop-Signature": sign(body, secret=SECRET, timestamp=int(time.time()))},
    )
    assert response.status_code == 200, response.content
    return response.json()["outcome"]


def order_refunded_events(order_id) -> list[OutboxMessage]:
    return [
        message
        for message in OutboxMessage.objects.using("orders").filter(name="orders.order_refunded")
        if message.payload["order_id"] == str(order_id)
    ]


def applied_by_orders() -> int:
    return InboxMessage.objects.using("orders").filter(subscriber=HANDLER).count()


def payment_refunded_messages() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.using("payments").filter(name="payments.payment_refunded"))


def test_a_full_refund_at_the_provider_refunds_the_shipped_order(shipped):
    assert refunded_at_provider(shipped) == "applied"

    assert state(shipped) == ("refunded", "committed", "refunded")
    shown = client_for("alice").get(f"/api/v1/orders/{shipped}/")
    assert shown.json()["status"] == "refunded"
    [event] = order_refunded_events(shipped)
    assert event.payload["amount"] == {"amount_minor": 3980, "currency": "EUR"}
    assert applied_by_orders() == 1
    assert_audit_finds_nothing()


def test_a_replayed_refund_webhook_refunds_the_order_once(shipped):
    assert refunded_at_provider(shipped) == "applied"
    assert refunded_at_provider(shipped) == "replayed"

    assert state(shipped) == ("refunded", "committed", "refunded")
    assert len(order_refunded_events(shipped)) == 1
    assert len(payment_refunded_messages()) == 1
    assert applied_by_orders() == 1
    assert_audit_finds_nothing()


def test_the_orders_own_refund_still_works_and_the_event_it_causes_changes_nothing(shipped):
    staff = client_for("staff", staff=True)

    assert staff.post(f"/api/v1/orders/{shipped}/refund/").status_code == 200

    assert state(shipped) == ("refunded", "committed", "refunded")
    [caused] = payment_refunded_messages()
    # Delivered to orders at the first attempt, and applied as a no-op.
    assert (caused.attempts, caused.delivered_at is not None) == (0, True)
    assert applied_by_orders() == 1
    assert len(order_refunded_events(shipped)) == 1
    order = client_for("alice").get(f"/api/v1/orders/{shipped}/").json()
    assert order["status"] == "refunded"
    assert_audit_finds_nothing()


def test_a_partial_refund_at_the_provider_leaves_the_order_shipped(shipped):
    assert refunded_at_provider(shipped, amount=1000) == "applied"

    assert state(shipped) == ("shipped", "committed", "partially_refunded")
    assert applied_by_orders() == 1  # orders saw it, and changed nothing
    assert order_refunded_events(shipped) == []
    assert_audit_finds_nothing()

    # The rest refunded later: now the order is refunded in full.
    assert refunded_at_provider(shipped, event_id="evt_refund_2", amount=2980) == "applied"
    assert state(shipped) == ("refunded", "committed", "refunded")
    [event] = order_refunded_events(shipped)
    assert event.payload["amount"] == {"amount_minor": 3980, "currency": "EUR"}
    assert applied_by_orders() == 2
    assert_audit_finds_nothing()


def test_a_full_refund_while_shipping_before_the_stock_left_cancels_the_order(catalog):
    order_id = place(client_for("alice")).json()["id"]
    # Its ship captured the money, then its process died: the reconciler will drive it.
    bound(PaymentsService).capture(order_id=order_id)
    Order.objects.filter(pk=order_id).update(operation="ship")

    assert refunded_at_provider(order_id) == "applied"
    assert state(order_id) == ("confirmed", "reserved", "refunded")  # orders waits for the ship
    assert applied_by_orders() == 0

    assert reconcile_orders()["refused"] == 1  # the ship finds the money gone, and cancels
    [caused] = payment_refunded_messages()
    OutboxMessage.objects.using("payments").filter(pk=caused.pk).update(
        next_attempt_at=caused.occurred_at
    )
    deliver_batch("payments", batch_size=10)  # the worker's next pass delivers the event

    assert state(order_id) == ("cancelled", "released", "refunded")
    assert available() == 100
    order = client_for("alice").get(f"/api/v1/orders/{order_id}/").json()
    assert order["status"] == "cancelled"
    assert applied_by_orders() == 1
    assert order_refunded_events(order_id) == []
    assert_audit_finds_nothing()
