"""Payments reports a failure after authorization: the order is cancelled, its stock released.

The event arrives as any consumer receives it (an envelope handed to the subscribers),
whether payments runs in this process or elsewhere: these tests need no payments database.
"""

import uuid

import pytest
from django.utils import timezone

from contracts.payments import PaymentFailedAfterAuthorization
from shop.orders.errors import OrderBusy
from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_orders
from shop.platform.events.codec import encode
from shop.platform.events.delivery import dispatch
from shop.platform.events.models import InboxMessage, OutboxMessage
from tests.orders.conftest import age_orders, place
from tests.orders.fakes import Crash

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def payment_failed(order_id, reason="chargeback") -> OutboxMessage:
    """The envelope of the event payments publishes (never saved: its outbox is not ours)."""
    event = PaymentFailedAfterAuthorization(order_id=order_id, reason=reason)
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


def test_a_confirmed_order_whose_payment_failed_is_cancelled_once(alice, bound_fakes):
    order = Order.objects.get(pk=place(alice).json()["id"])
    bound_fakes.payments.fail_after_authorization(order.id)
    event = payment_failed(order.id)

    dispatch(event)
    dispatch(event)  # delivered at least once: the repeat is absorbed
    order.refresh_from_db()

    assert order.status == "cancelled"
    assert order.reason == "payment_failed: chargeback"
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
    assert OutboxMessage.objects.using("orders").filter(name="orders.order_cancelled").count() == 1
    assert InboxMessage.objects.using("orders").count() == 1


def test_a_late_failure_of_a_shipped_order_changes_nothing(alice, staff, bound_fakes):
    order_id = place(alice).json()["id"]
    staff.post(f"/api/v1/orders/{order_id}/ship/")

    dispatch(payment_failed(order_id))

    assert Order.objects.get(pk=order_id).status == "shipped"


def test_a_failure_during_placement_is_retried_until_the_order_settles(alice, bound_fakes):
    bound_fakes.payments.faults.crash_after.add("authorize")
    with pytest.raises(Crash):
        place(alice)
    order = Order.objects.get()
    bound_fakes.payments.fail_after_authorization(order.id)
    event = payment_failed(order.id)

    # The order is still being placed: the delivery fails, to be retried.
    with pytest.raises(OrderBusy):
        dispatch(event)
    assert InboxMessage.objects.using("orders").count() == 0
    assert Order.objects.get().status == "pending"

    age_orders(61)
    reconcile_orders()
    dispatch(event)
    order.refresh_from_db()
    assert (order.status, order.reason) == ("payment_failed", "failed")
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100


def test_a_cancel_cut_short_after_the_handler_committed_is_finished_by_the_reconciler(
    alice, bound_fakes
):
    order = Order.objects.get(pk=place(alice).json()["id"])
    bound_fakes.payments.fail_after_authorization(order.id)
    bound_fakes.inventory.faults.crash_after.add("release")

    dispatch(payment_failed(order.id))

    # The event is applied (its inbox entry committed with the claim), the cancel is not.
    assert InboxMessage.objects.using("orders").count() == 1
    assert Order.objects.get().operation == "cancel"
    age_orders(61)
    reconcile_orders()

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
