"""Payments reports a refund made at the provider: a shipped order refunded in full ends
``refunded``; a partial refund, the order's own refund and a busy order are left alone.

The event arrives as any consumer receives it (an envelope handed to the subscribers),
whether payments runs in this process or elsewhere: these tests need no payments database.
"""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from contracts.common import Money
from contracts.payments import PaymentRefunded
from shop.orders.errors import OrderBusy
from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_order
from shop.platform.events.codec import encode
from shop.platform.events.delivery import dispatch
from shop.platform.events.models import InboxMessage, OutboxMessage
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def payment_refunded(order_id, *, amount_minor, refunded_total_minor) -> OutboxMessage:
    """The envelope of the event payments publishes (never saved: its outbox is not ours)."""
    event = PaymentRefunded(
        order_id=order_id,
        amount=Money(amount_minor, "EUR"),
        refunded_total_minor=refunded_total_minor,
    )
    now = timezone.now()
    return OutboxMessage(
        event_id=uuid.uuid4(),
        name=event.name,
        version=event.version,
        producer="payments",
        payload=encode(event),
        occurred_at=now,
        next_attempt_at=now,
    )


def refunded_in_full(order: Order) -> OutboxMessage:
    return payment_refunded(
        order.id, amount_minor=order.total_minor, refunded_total_minor=order.total_minor
    )


def order_refunded() -> int:
    return OutboxMessage.objects.using("orders").filter(name="orders.order_refunded").count()


@pytest.fixture
def shipped(alice, staff, bound_fakes) -> Order:
    order_id = place(alice).json()["id"]
    assert staff.post(f"/api/v1/orders/{order_id}/ship/").status_code == 200
    return Order.objects.get(pk=order_id)


def test_a_shipped_order_refunded_in_full_is_refunded_once(shipped):
    event = refunded_in_full(shipped)

    dispatch(event)
    dispatch(event)  # delivered at least once: the repeat is absorbed
    shipped.refresh_from_db()

    assert (shipped.status, shipped.reason, shipped.operation) == (
        "refunded",
        "refunded_at_provider",
        "",
    )
    refunded = OutboxMessage.objects.using("orders").get(name="orders.order_refunded")
    assert refunded.payload["amount"] == {"amount_minor": shipped.total_minor, "currency": "EUR"}
    assert InboxMessage.objects.using("orders").count() == 1


def test_a_partial_refund_leaves_the_order_shipped(shipped):
    dispatch(payment_refunded(shipped.id, amount_minor=100, refunded_total_minor=100))

    shipped.refresh_from_db()
    assert shipped.status == "shipped"
    assert order_refunded() == 0
    assert InboxMessage.objects.using("orders").count() == 1


def test_the_event_of_the_orders_own_refund_changes_nothing(shipped, staff):
    assert staff.post(f"/api/v1/orders/{shipped.id}/refund/").status_code == 200

    dispatch(refunded_in_full(shipped))

    shipped.refresh_from_db()
    assert (shipped.status, shipped.reason) == ("refunded", "")
    assert order_refunded() == 1
    assert InboxMessage.objects.using("orders").count() == 1


def test_an_order_under_its_own_refund_is_left_to_that_refund(shipped):
    # Its refund reached the provider, and the process died before finishing it.
    Order.objects.filter(pk=shipped.pk).update(operation="refund")

    dispatch(refunded_in_full(shipped))

    shipped.refresh_from_db()
    assert (shipped.status, shipped.operation) == ("shipped", "refund")
    assert order_refunded() == 0
    assert InboxMessage.objects.using("orders").count() == 1


def test_a_shipped_order_held_by_another_driver_is_retried(shipped):
    Order.objects.filter(pk=shipped.pk).update(
        driver_token=uuid.uuid4(), driven_until=timezone.now() + timedelta(minutes=1)
    )
    event = refunded_in_full(shipped)

    with pytest.raises(OrderBusy):
        dispatch(event)
    assert InboxMessage.objects.using("orders").count() == 0
    assert Order.objects.get(pk=shipped.pk).status == "shipped"

    Order.objects.filter(pk=shipped.pk).update(driver_token=None, driven_until=None)
    dispatch(event)
    assert Order.objects.get(pk=shipped.pk).status == "refunded"


def test_a_confirmed_order_whose_ship_is_under_way_is_retried(alice, bound_fakes):
    order = Order.objects.get(pk=place(alice).json()["id"])
    # The ship captured the money and has not finished yet.
    Order.objects.filter(pk=order.pk).update(operation="ship")

    with pytest.raises(OrderBusy):
        dispatch(refunded_in_full(order))

    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert InboxMessage.objects.using("orders").count() == 0


def test_a_refund_reported_for_an_idle_confirmed_order_changes_nothing(alice, bound_fakes):
    order = Order.objects.get(pk=place(alice).json()["id"])

    dispatch(refunded_in_full(order))

    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert order_refunded() == 0
    assert InboxMessage.objects.using("orders").count() == 1  # seen, and left to an operator


@pytest.fixture
def ship_cut_short_after_capture(alice, bound_fakes) -> Order:
    """A confirmed order whose ship captured the money, then its process died."""
    order = Order.objects.get(pk=place(alice).json()["id"])
    bound_fakes.payments.capture(order_id=order.pk)
    Order.objects.filter(pk=order.pk).update(operation="ship")
    return order


def order_cancelled() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.using("orders").filter(name="orders.order_cancelled"))


def test_a_full_refund_before_the_goods_left_cancels_the_order_and_gives_its_stock_back(
    ship_cut_short_after_capture, bound_fakes
):
    order = ship_cut_short_after_capture
    bound_fakes.payments.refund(order_id=order.pk)  # at the provider, in full
    event = refunded_in_full(order)
    with pytest.raises(OrderBusy):
        dispatch(event)  # the ship is under way: applied once it ends

    outcome = reconcile_order(order_id=order.pk)  # the ship is driven again
    dispatch(event)

    order.refresh_from_db()
    assert outcome == "refused"
    assert (order.status, order.reason, order.operation) == (
        "cancelled",
        "refunded_at_provider",
        "",
    )
    assert bound_fakes.inventory.state_of(order.pk) == "released"
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
    assert bound_fakes.payments.status_of(order.pk) == "refunded"
    [cancelled] = order_cancelled()
    assert cancelled.payload["reason"] == "refunded_at_provider"
    assert order_refunded() == 0
    assert InboxMessage.objects.using("orders").count() == 1


def test_the_ship_retried_by_staff_says_why_the_order_was_cancelled(
    ship_cut_short_after_capture, bound_fakes, staff
):
    order = ship_cut_short_after_capture
    bound_fakes.payments.refund(order_id=order.pk)

    response = staff.post(f"/api/v1/orders/{order.pk}/ship/")

    assert response.status_code == 409
    assert response.json()["type"].endswith("/operation-refused")
    assert "refunded in full at the provider" in response.json()["detail"]
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert bound_fakes.inventory.state_of(order.pk) == "released"


def test_a_full_refund_after_the_stock_left_ends_the_order_refunded(
    ship_cut_short_after_capture, bound_fakes
):
    order = ship_cut_short_after_capture
    bound_fakes.inventory.commit(order_id=order.pk)  # the ship got this far
    bound_fakes.payments.refund(order_id=order.pk)
    event = refunded_in_full(order)
    with pytest.raises(OrderBusy):
        dispatch(event)

    assert reconcile_order(order_id=order.pk) == "shipped"
    dispatch(event)

    order.refresh_from_db()
    assert (order.status, order.reason) == ("refunded", "refunded_at_provider")
    assert bound_fakes.inventory.state_of(order.pk) == "committed"
    assert order_refunded() == 1


def test_a_partial_refund_while_shipping_lets_the_ship_finish(
    ship_cut_short_after_capture, bound_fakes
):
    order = ship_cut_short_after_capture
    bound_fakes.payments.refund(order_id=order.pk, amount_minor=500)
    dispatch(payment_refunded(order.pk, amount_minor=500, refunded_total_minor=500))

    assert reconcile_order(order_id=order.pk) == "shipped"

    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert bound_fakes.inventory.state_of(order.pk) == "committed"
    assert bound_fakes.payments.status_of(order.pk) == "partially_refunded"


def test_a_confirmed_order_whose_payment_was_refunded_can_be_cancelled(
    ship_cut_short_after_capture, bound_fakes, alice
):
    order = ship_cut_short_after_capture
    # An order left so by an earlier ship that was refused: nothing is held to void.
    Order.objects.filter(pk=order.pk).update(operation="")
    bound_fakes.payments.refund(order_id=order.pk)

    response = alice.post(f"/api/v1/orders/{order.pk}/cancel/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert bound_fakes.inventory.state_of(order.pk) == "released"
