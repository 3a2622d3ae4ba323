"""What the audit checks of orders: each order's reservation and payment agree with it.

Inventory and payments are asked through their contracts, as placement asks them, so
the check runs unchanged when they are services of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from contracts.inventory import InventoryService, Reservation, ReservationState
from contracts.orders import OrderStatus
from contracts.payments import Payment, PaymentsService, PaymentStatus
from shop.orders import conf, selectors
from shop.orders.models import Operation, Order
from shop.platform.audit import Progress, audit_check
from shop.platform.bindings import bound

# Money the provider holds for the order: it must not outlive the order's sale. A partial
# refund gave some back and kept the rest; a refund in full holds nothing any more.
LIVE_PAYMENTS = frozenset(
    {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED}
)
SHIPPED_PAYMENTS = frozenset({PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED})
ENDED_UNSOLD = frozenset({OrderStatus.REJECTED, OrderStatus.PAYMENT_FAILED, OrderStatus.CANCELLED})


@audit_check("orders.lifecycle")
def orders_agree_with_their_reservations_and_payments(
    progress: Progress,
) -> Iterator[tuple[str, str]]:
    inventory, payments = bound(InventoryService), bound(PaymentsService)
    total = Order.objects.count()
    done = 0
    for page in selectors.orders_in_pages():
        # One call to each app per page, not one per order (each a round trip when split).
        order_ids = [order.pk for order in page]
        reserved = inventory.get_reservations(order_ids=order_ids)
        paid = payments.get_many(order_ids=order_ids)
        for order in page:
            problems = disagreements(order, reserved.get(order.pk), paid.get(order.pk))
            if problems:
                # The apps were read one after the other: an order that moved meanwhile
                # is read again before anything is reported.
                fresh = Order.objects.filter(pk=order.pk).first()
                if fresh is not None and fresh.updated_at != order.updated_at:
                    problems = disagreements(
                        fresh,
                        inventory.get_reservation(order_id=order.pk),
                        payments.get(order_id=order.pk),
                    )
            for problem in problems:
                yield f"order {order.pk} ({order.status})", problem
        done += len(page)
        progress(done, total)


def disagreements(
    order: Order, reservation: Reservation | None, payment: Payment | None
) -> list[str]:
    """What is wrong between an order, its reservation and its payment (nothing: [])."""
    now = timezone.now()
    if order.driven_until is not None and order.driven_until > now:
        return []  # a driver is moving it right now
    if order.status == OrderStatus.PENDING:
        if order.created_at < now - conf.pending_deadline():
            return ["pending past its deadline"]
        return []
    problems = []
    if order.operation != Operation.NONE:
        problems.append(f"its {Operation(order.operation).label} was left unfinished")
    stock = "no reservation" if reservation is None else f"reservation {reservation.state}"
    money = "no payment" if payment is None else f"payment {payment.status}"
    free = order.is_free  # nothing to pay: no payment is asked for
    if order.status == OrderStatus.CONFIRMED:
        if reservation is None or reservation.state != ReservationState.RESERVED:
            problems.append(f"confirmed without its stock held ({stock})")
        elif reservation.expires_at is not None:
            problems.append("confirmed with a reservation that still expires")
        if not free and (payment is None or payment.status != PaymentStatus.AUTHORIZED):
            problems.append(f"confirmed without an authorized payment ({money})")
    elif order.status in (OrderStatus.SHIPPED, OrderStatus.REFUNDED):
        if reservation is None or reservation.state != ReservationState.COMMITTED:
            problems.append(f"{order.status} without its stock committed ({stock})")
        # A partial refund (at the provider) leaves a shipped order shipped.
        expected = (
            SHIPPED_PAYMENTS if order.status == OrderStatus.SHIPPED else {PaymentStatus.REFUNDED}
        )
        if not free and (payment is None or payment.status not in expected):
            wanted = " or ".join(sorted(expected))
            problems.append(f"{order.status} without a {wanted} payment ({money})")
    elif order.status in ENDED_UNSOLD:
        if reservation is not None and reservation.state in (
            ReservationState.RESERVED,
            ReservationState.COMMITTED,
        ):
            problems.append(f"{order.status} but its stock is still taken ({stock})")
        if payment is not None and payment.status in LIVE_PAYMENTS:
            problems.append(f"{order.status} but its money is still taken ({money})")
    return problems
