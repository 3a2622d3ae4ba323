"""Operations on placed orders: cancel (void + release), ship (capture + commit), refund.

Each runs under the order's lease, so two of them never interleave; one left
half-way by a dead process is finished by the reconciler.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.db import transaction

from contracts.common import Money
from contracts.inventory import InventoryService, ReservationClosed, ReservationState
from contracts.orders import OrderCancelled, OrderRefunded, OrderShipped, OrderStatus
from contracts.payments import (
    InvalidPaymentState,
    PaymentError,
    PaymentNotFound,
    PaymentProviderUnavailable,
    PaymentsService,
    PaymentStatus,
)
from shop.orders.driving import (
    DB,
    PAYMENT_FAILURES,
    Lease,
    claim,
    finish,
    let_go,
    reload,
    unfinished_on_error,
)
from shop.orders.errors import OperationRefused, OrderBusy, PaymentProviderBusy
from shop.orders.models import Operation, Order
from shop.platform.bindings import bound

logger = logging.getLogger(__name__)

CUSTOMER_CANCELLED = "customer_request"
# The provider gave the money back (its dashboard, a dispute): why the order ended as it did.
REFUNDED_AT_PROVIDER = "refunded_at_provider"
# A payment that took the money: shipping it goes on, even refunded in part since.
CAPTURED_PAYMENTS = frozenset(
    {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)


def cancel_order(*, order_id: UUID, reason: str = CUSTOMER_CANCELLED) -> Order:
    """Void the authorization, release the stock and mark the order ``cancelled``.

    A payment refunded in full at the provider holds nothing: there is nothing to void.
    Raises ``IllegalTransition`` once shipped or final, ``OrderBusy`` while another
    driver holds it, ``PaymentProviderBusy`` when the void got no answer.
    """
    lease = claim(
        order_id=order_id, operation=Operation.CANCEL, target=OrderStatus.CANCELLED, reason=reason
    )
    return drive_cancel(lease, reason=reason)


def drive_cancel(lease: Lease, *, reason: str) -> Order:
    with unfinished_on_error(lease):
        try:
            payment = bound(PaymentsService).void(order_id=lease.order_id)
        except PaymentProviderUnavailable as exc:
            let_go(lease, keep_operation=True)
            raise PaymentProviderBusy(lease.order_id) from exc
        except InvalidPaymentState as exc:
            if exc.status != PaymentStatus.REFUNDED:
                let_go(lease)
                raise OperationRefused(
                    lease.order_id, f"The payment cannot be voided: {exc}"
                ) from exc
            payment = None  # given back in full at the provider: nothing is held to void
        if payment is not None and payment.status not in PAYMENT_FAILURES:
            let_go(lease)
            raise OperationRefused(
                lease.order_id, f"The provider refused the void: {payment.status}."
            )
        bound(InventoryService).release(order_id=lease.order_id)
        finish(
            lease,
            target=OrderStatus.CANCELLED,
            reason=reason,
            events=[OrderCancelled(order_id=lease.order_id, reason=reason)],
        )
    return reload(lease.order_id)


def ship_order(*, order_id: UUID) -> Order:
    """Capture the payment, commit the stock and mark the order ``shipped``.

    Raises ``IllegalTransition`` unless confirmed, ``OperationRefused`` when the
    reservation lapsed or the payment cannot be captured (nothing is changed then), or
    when the payment was refunded in full at the provider before the stock was
    committed (the order is then cancelled and its stock released: the sale is off).
    """
    lease = claim(order_id=order_id, operation=Operation.SHIP, target=OrderStatus.SHIPPED)
    return drive_ship(lease)


def drive_ship(lease: Lease) -> Order:
    with unfinished_on_error(lease):
        return _drive_ship(lease)


def _drive_ship(lease: Lease) -> Order:
    order_id = lease.order_id
    inventory, payments = bound(InventoryService), bound(PaymentsService)
    free = Order.objects.filter(pk=order_id, total_minor=0).exists()
    reservation = inventory.get_reservation(order_id=order_id)
    if reservation is None or reservation.state not in (
        ReservationState.RESERVED,
        ReservationState.COMMITTED,
    ):
        let_go(lease)
        state = "missing" if reservation is None else reservation.state
        raise OperationRefused(order_id, f"The order's stock reservation is {state}.")
    try:
        # A free order was confirmed without a payment: there is nothing to capture.
        payment = None if free else payments.capture(order_id=order_id)
    except PaymentProviderUnavailable as exc:
        let_go(lease, keep_operation=True)
        raise PaymentProviderBusy(order_id) from exc
    except (InvalidPaymentState, PaymentNotFound) as exc:
        let_go(lease)
        raise OperationRefused(order_id, f"The payment cannot be captured: {exc}") from exc
    if (
        payment is not None
        and payment.status == PaymentStatus.REFUNDED
        and reservation.state == ReservationState.RESERVED
    ):
        # Captured, then given back in full at the provider before the goods left: the
        # sale is off. Cancelled under this same lease: should the process die midway,
        # the ship stays marked and the reconciler's retry of it comes back here.
        drive_cancel(lease, reason=REFUNDED_AT_PROVIDER)
        raise OperationRefused(
            order_id,
            "The payment was refunded in full at the provider before the order shipped: "
            "the order is cancelled and its stock released.",
        )
    if payment is not None and payment.status not in CAPTURED_PAYMENTS:
        # Refused by the provider (an expired authorization): nothing ships unpaid. Money
        # refunded since (in part, or in full once the stock left) ships as captured.
        let_go(lease)
        raise OperationRefused(order_id, f"The provider refused the capture: {payment.status}.")
    try:
        inventory.commit(order_id=order_id)
    except ReservationClosed:
        # Captured already; the reservation lapsed in the instant since it was read.
        # Ship anyway (the money is taken) and leave the stock figure to an operator.
        logger.error("order %s shipped but its reservation had lapsed", order_id)
    finish(lease, target=OrderStatus.SHIPPED, events=[OrderShipped(order_id=order_id)])
    return reload(order_id)


def refund_order(*, order_id: UUID) -> Order:
    """Refund everything captured and mark the order ``refunded``.

    Raises ``IllegalTransition`` unless shipped.
    """
    lease = claim(order_id=order_id, operation=Operation.REFUND, target=OrderStatus.REFUNDED)
    return drive_refund(lease)


def drive_refund(lease: Lease) -> Order:
    with unfinished_on_error(lease):
        order = reload(lease.order_id)
        if order.is_free:
            # Nothing was charged for a free order: refunding it moves no money.
            finish(
                lease,
                target=OrderStatus.REFUNDED,
                events=[OrderRefunded(order_id=order.id, amount=Money(0, order.currency))],
            )
            return reload(order.id)
        try:
            payment = bound(PaymentsService).refund(order_id=order.id)
        except PaymentProviderUnavailable as exc:
            let_go(lease, keep_operation=True)
            raise PaymentProviderBusy(order.id) from exc
        except PaymentError as exc:
            let_go(lease)
            raise OperationRefused(order.id, f"The payment cannot be refunded: {exc}") from exc
        if payment.status != PaymentStatus.REFUNDED:
            let_go(lease)
            raise OperationRefused(order.id, f"The provider refused the refund: {payment.status}.")
        amount = Money(payment.refunded_minor, payment.amount.currency)
        finish(
            lease,
            target=OrderStatus.REFUNDED,
            events=[OrderRefunded(order_id=order.id, amount=amount)],
        )
    return reload(order.id)


def cancel_after_payment_failure(*, order_id: UUID, reason: str) -> Order | None:
    """The money will not come: cancel the order and release its stock.

    A confirmed order is cancelled; a final one is left as it is. Raises ``OrderBusy``
    while a placement or another change is in flight, so the event is retried later.

    Called in the event handler's transaction: the claim (with its operation marker)
    commits with the inbox entry, and the calls to payments and inventory run after
    that commit, holding no lock. Should they fail or the process die, the marker
    leads the reconciler to finish the cancel.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None
    if order.status == OrderStatus.PENDING:
        # Its placement is still running and may yet confirm it: apply this later.
        raise OrderBusy(order_id)
    if order.status != OrderStatus.CONFIRMED:
        logger.info("payment of %s order %s failed late; nothing to cancel", order.status, order_id)
        return order
    cancel_reason = f"payment_failed: {reason}"
    # The reason is stored with the claim: should the process die before the cancel
    # is driven, the reconciler publishes the chargeback, not a customer's request.
    lease = claim(
        order_id=order_id,
        operation=Operation.CANCEL,
        target=OrderStatus.CANCELLED,
        reason=cancel_reason,
    )
    transaction.on_commit(lambda: drive_cancel(lease, reason=cancel_reason), using=DB, robust=True)
    return order


def refund_after_provider_refund(
    *, order_id: UUID, refunded_total_minor: int, currency: str
) -> Order | None:
    """The provider reports money given back: a shipped order refunded in full ends ``refunded``.

    Called in the event handler's transaction, so the move (and its ``OrderRefunded``)
    commits with the inbox entry. Nothing is asked of payments: the money is back already.

    - A partial refund (less than the order's total) changes no status.
    - An order ``refunded``, or under its own refund, is left as it is: that refund made
      payments publish this, and the refund (or the reconciler) ends it ``refunded``.
    - A ``shipped`` order is claimed and finished at once. Should another driver hold
      it, ``OrderBusy`` is raised and the event retried.
    - Captured money exists only from a ship onward: a ``confirmed`` order can hold it
      only while its ship is under way (or was cut short), so ``OrderBusy`` is raised
      then too, and the event is applied once the ship is finished: the order is then
      ``shipped`` (and refunded here) if its stock had left, else the ship found the
      money gone and ``cancelled`` it, which is left as it is. Any other status is left
      as it is, with an error logged for an operator.
    """
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return None
    if refunded_total_minor < order.total_minor:
        logger.info(
            "order %s partially refunded (%s of %s): its status stays %s",
            order_id,
            refunded_total_minor,
            order.total_minor,
            order.status,
        )
        return order
    if order.status == OrderStatus.REFUNDED or order.operation == Operation.REFUND:
        # Its own refund, finished or under way (or cut short: the reconciler finishes
        # it, and a payment refunded in full lets that refund end ``refunded``).
        return order
    if order.status == OrderStatus.PENDING or (
        order.status == OrderStatus.CONFIRMED and order.operation == Operation.SHIP
    ):
        raise OrderBusy(order_id)
    if order.status == OrderStatus.CANCELLED and order.reason == REFUNDED_AT_PROVIDER:
        # Its ship found the money given back before the goods left, and cancelled it.
        return order
    if order.status != OrderStatus.SHIPPED:
        logger.error(
            "payment of %s order %s was refunded at the provider; left to an operator",
            order.status,
            order_id,
        )
        return order
    lease = claim(order_id=order_id, operation=Operation.REFUND, target=OrderStatus.REFUNDED)
    finish(
        lease,
        target=OrderStatus.REFUNDED,
        reason=REFUNDED_AT_PROVIDER,
        events=[OrderRefunded(order_id=order_id, amount=Money(refunded_total_minor, currency))],
        order=order,
    )
    return order
