"""The reconciler: settles orders a dead process left behind.

A ``pending`` order past the deadline is confirmed when its reservation and its
authorization are both live; otherwise the authorization is voided, the stock
released, and the order ends ``payment_failed`` (the payment was refused) or
``rejected``. A cancel, ship or refund abandoned half-way is finished.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from uuid import UUID

from django.utils import timezone

from contracts.common import Money, ServiceUnavailable
from contracts.inventory import InventoryService, ReservationClosed, ReservationState
from contracts.orders import OrderConfirmed, OrderPaymentFailed, OrderRejected, OrderStatus
from contracts.payments import PaymentError, PaymentsService, PaymentStatus
from shop.orders import conf, selectors
from shop.orders.driving import LeaseLost, claim, finish, let_go
from shop.orders.errors import OrderBusy, OrderError
from shop.orders.models import Operation, Order
from shop.orders.operations import drive_cancel, drive_refund, drive_ship
from shop.orders.placement import REJECTED_NOT_COMPLETED
from shop.platform.bindings import bound

logger = logging.getLogger(__name__)

REFUSED_PAYMENTS = frozenset({PaymentStatus.DECLINED, PaymentStatus.FAILED})


def reconcile_orders(
    *, limit: int = 500, progress: Callable[[int, int, UUID, str], None] | None = None
) -> Counter[str]:
    """Settle up to ``limit`` orders; returns how many ended in each outcome.

    Safe to run in several workers at once: each order is claimed before it is touched.
    """
    now = timezone.now()
    candidates = list(
        selectors.orders_needing_reconciliation(
            now=now, pending_before=now - conf.pending_deadline()
        ).values_list("pk", flat=True)[:limit]
    )
    outcomes: Counter[str] = Counter()
    for index, order_id in enumerate(candidates, start=1):
        outcome = reconcile_order(order_id=order_id)
        outcomes[outcome] += 1
        if progress is not None:
            progress(index, len(candidates), order_id, outcome)
    return outcomes


def reconcile_order(*, order_id: UUID) -> str:
    """Settle one order; returns its outcome (a status, ``busy`` or ``waiting``)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    try:
        if order.status == OrderStatus.PENDING:
            return _settle_pending(order_id)
        if order.operation == Operation.CANCEL:
            lease = claim(
                order_id=order_id, operation=Operation.CANCEL, target=OrderStatus.CANCELLED
            )
            return drive_cancel(lease, reason=order.reason or "customer_request").status
        if order.operation == Operation.SHIP:
            lease = claim(order_id=order_id, operation=Operation.SHIP, target=OrderStatus.SHIPPED)
            return drive_ship(lease).status
        if order.operation == Operation.REFUND:
            lease = claim(
                order_id=order_id, operation=Operation.REFUND, target=OrderStatus.REFUNDED
            )
            return drive_refund(lease).status
    except OrderBusy:
        return "busy"
    except ServiceUnavailable as exc:
        # An app (or its database) is down: the order waits for the next pass.
        logger.warning("reconciling order %s: %s", order_id, exc)
        return "unavailable"
    except OrderError as exc:
        logger.warning("reconciling order %s: %s", order_id, exc)
        return "refused"
    # An operation marker on an order whose status already moved on is stale.
    Order.objects.filter(pk=order_id, driven_until__isnull=True).exclude(
        operation=Operation.NONE
    ).update(operation=Operation.NONE)
    return order.status


def _settle_pending(order_id: UUID) -> str:
    lease = claim(order_id=order_id, operation=Operation.PLACE, target=OrderStatus.CONFIRMED)
    order = Order.objects.prefetch_related("lines").get(pk=order_id)
    inventory, payments = bound(InventoryService), bound(PaymentsService)
    try:
        reservation = inventory.get_reservation(order_id=order_id)
        payment = payments.get(order_id=order_id)
        if payment is not None and payment.status == PaymentStatus.UNRESOLVED:
            # Payments' resolver will learn from the provider what happened; until
            # then neither confirming nor voiding is safe.
            let_go(lease, keep_operation=True)
            return "waiting"
        stock_held = reservation is not None and reservation.state == ReservationState.RESERVED
        # A free order needs no payment (it is confirmed without asking the provider).
        paid = order.is_free or (payment is not None and payment.status == PaymentStatus.AUTHORIZED)
        if stock_held and paid:
            try:
                inventory.hold(order_id=order_id)
            except ReservationClosed:
                stock_held = False  # it expired in the meantime
        if stock_held and paid:
            total = Money(order.total_minor, order.currency)
            finish(
                lease,
                target=OrderStatus.CONFIRMED,
                events=[
                    OrderConfirmed(order_id=order_id, customer_id=order.customer_id, total=total)
                ],
            )
            return OrderStatus.CONFIRMED
        if payment is not None and payment.status == PaymentStatus.AUTHORIZED:
            voided = payments.void(order_id=order_id)
            if voided is not None and voided.status == PaymentStatus.AUTHORIZED:
                # The provider refused the void: keep the order pending, try next pass.
                let_go(lease, keep_operation=True)
                return "waiting"
        inventory.release(order_id=order_id)
        if payment is not None and payment.status in REFUSED_PAYMENTS:
            reason = payment.decline_reason or str(payment.status)
            finish(
                lease,
                target=OrderStatus.PAYMENT_FAILED,
                reason=reason,
                events=[OrderPaymentFailed(order_id=order_id, reason=reason)],
            )
            return OrderStatus.PAYMENT_FAILED
        skus = sorted(line.sku for line in order.lines.all())
        finish(
            lease,
            target=OrderStatus.REJECTED,
            reason=REJECTED_NOT_COMPLETED,
            short_skus=skus,
            events=[OrderRejected(order_id=order_id, short_skus=tuple(skus))],
        )
        return OrderStatus.REJECTED
    except (PaymentError, ServiceUnavailable) as exc:
        # The void got no answer, or an app is down: leave the order for the next pass.
        logger.warning("reconciling order %s: %s", order_id, exc)
        let_go(lease, keep_operation=True)
        return "waiting"
    except LeaseLost:
        return "busy"
