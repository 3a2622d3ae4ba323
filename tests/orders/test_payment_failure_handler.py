"""Payments reports a failure after authorization: the order is cancelled, its stock released."""

import pytest
from django.db import transaction

from contracts.payments import PaymentFailedAfterAuthorization
from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_orders
from shop.platform.events import publish
from shop.platform.events.delivery import deliver
from shop.platform.events.models import InboxMessage, OutboxMessage
from tests.orders.conftest import age_orders, place
from tests.orders.fakes import Crash

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def payments_reports_failure(order_id, reason="chargeback"):
    with transaction.atomic(using="payments"):
        publish(PaymentFailedAfterAuthorization(order_id=order_id, reason=reason))


def test_a_confirmed_order_whose_payment_failed_is_cancelled_once(alice, bound_fakes):
    order = Order.objects.get(pk=place(alice).json()["id"])
    bound_fakes.payments.fail_after_authorization(order.id)

    payments_reports_failure(order.id)
    order.refresh_from_db()

    assert order.status == "cancelled"
    assert order.reason == "payment_failed: chargeback"
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
    assert OutboxMessage.objects.using("orders").filter(name="orders.order_cancelled").count() == 1
    assert InboxMessage.objects.using("orders").count() == 1


def test_a_late_failure_of_a_shipped_order_changes_nothing(alice, staff, bound_fakes):
    order_id = place(alice).json()["id"]
    staff.post(f"/api/v1/orders/{order_id}/ship/")

    payments_reports_failure(order_id)

    assert Order.objects.get(pk=order_id).status == "shipped"


def test_a_failure_during_placement_is_retried_until_the_order_settles(alice, bound_fakes):
    bound_fakes.payments.faults.crash_after.add("authorize")
    with pytest.raises(Crash):
        place(alice)
    order = Order.objects.get()
    bound_fakes.payments.fail_after_authorization(order.id)

    payments_reports_failure(order.id)

    message = OutboxMessage.objects.using("payments").get()
    assert message.delivered_at is None and message.attempts == 1
    assert Order.objects.get().status == "pending"

    age_orders(61)
    reconcile_orders()
    assert deliver("payments", message)
    order.refresh_from_db()
    assert (order.status, order.reason) == ("payment_failed", "failed")
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100


def test_a_cancel_cut_short_after_the_handler_committed_is_finished_by_the_reconciler(
    alice, bound_fakes
):
    order = Order.objects.get(pk=place(alice).json()["id"])
    bound_fakes.payments.fail_after_authorization(order.id)
    bound_fakes.inventory.faults.crash_after.add("release")

    payments_reports_failure(order.id)

    # The event is applied (its inbox entry committed with the claim), the cancel is not.
    assert InboxMessage.objects.using("orders").count() == 1
    assert Order.objects.get().operation == "cancel"
    age_orders(61)
    reconcile_orders()

    order.refresh_from_db()
    assert order.status == "cancelled"
    # The reason the handler was given survives the crash: a chargeback, not the customer.
    assert order.reason == "payment_failed: chargeback"
    cancelled = OutboxMessage.objects.using("orders").get(name="orders.order_cancelled")
    assert cancelled.payload["reason"] == "payment_failed: chargeback"
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
