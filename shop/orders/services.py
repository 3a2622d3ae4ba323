"""Use cases that change orders; transaction boundaries live here.

Placing an order: pending -> reserve -> authorize -> confirmed, with the
compensations of ARCHITECTURE §3. Progress is persisted before each call to another
app, and every call is idempotent per order id, so a placement interrupted anywhere
is resumed (by the client's retry) or settled (by the reconciler) without a second
reservation or charge. Later: cancel (void + release), ship (capture + commit) and
refund, each under the order's lease so two of them never interleave.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.common import Money
from contracts.inventory import (
    InsufficientStock,
    InventoryError,
    InventoryService,
    ReservationClosed,
    ReservationState,
    StockLine,
    UnknownProducts,
)
from contracts.orders import (
    OrderCancelled,
    OrderConfirmed,
    OrderPaymentFailed,
    OrderRefunded,
    OrderRejected,
    OrderShipped,
    OrderStatus,
)
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
    Lease,
    LeaseLost,
    claim,
    finish,
    let_go,
    new_lease_fields,
    reload,
    unfinished_on_error,
    with_lines,
)
from shop.orders.errors import (
    IllegalTransition,
    KeyAlreadyClaimed,
    OperationRefused,
    OrderBusy,
    OrderInvalid,
    PaymentProviderBusy,
)
from shop.orders.models import MAX_QUANTITY, IdempotencyRecord, Operation, Order, OrderLine
from shop.platform.bindings import bound

logger = logging.getLogger(__name__)

# What the order, payment and ledger columns (64-bit) can hold, with room to spare.
MAX_TOTAL_MINOR = 10**15
# A payment in one of these holds no money.
PAYMENT_FAILURES = frozenset({PaymentStatus.DECLINED, PaymentStatus.FAILED, PaymentStatus.VOIDED})


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int


def place_order(
    *,
    customer_id: int,
    lines: Sequence[LineRequest],
    payment_method: str,
    idempotency_record: IdempotencyRecord | None = None,
) -> Order:
    """Create the order and drive it as far as the other apps allow.

    Returns the order ``confirmed``, ``rejected`` (stock short), ``payment_failed``
    (declined, stock released) or still ``pending`` when the payment provider did not
    answer (a retry or the reconciler finishes it). Raises ``OrderInvalid`` with
    per-field errors, creating nothing, for unknown SKUs, bad quantities, duplicate
    lines, mixed currencies or an unsupported payment method.

    The order is linked to the idempotency record in the transaction that creates it.
    An unsaved record (``idempotency.new_claim``) is inserted in that transaction,
    which claims its key; ``KeyAlreadyClaimed`` is raised, creating nothing, when the
    key was claimed before.
    """
    prices = _validated_prices(lines=lines, payment_method=payment_method)
    currency = next(iter(prices.values())).currency
    now = timezone.now()
    lease_fields = new_lease_fields(Operation.PLACE, now)
    order = Order(
        customer_id=customer_id,
        status=OrderStatus.PENDING,
        currency=currency,
        total_minor=sum(prices[line.sku].amount_minor * line.quantity for line in lines),
        payment_method=payment_method,
        **lease_fields,
    )
    with transaction.atomic(using=DB):
        if idempotency_record is not None:
            _link(idempotency_record, order)
        order.save(using=DB, force_insert=True)
        order_lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_minor=prices[line.sku].amount_minor,
            )
            for line in lines
        )
    lease = Lease(order.id, lease_fields["driver_token"], Operation.PLACE)
    return drive_placement(lease, order=with_lines(order, order_lines))


def _link(record: IdempotencyRecord, order: Order) -> None:
    """Point the idempotency record at the order being created (inside its transaction)."""
    record.order_id = order.id
    if record.pk is not None:
        # Only a record no order has claimed yet: a request that stalled past its key's
        # lease must not create a second order for the key another request resumed.
        if not IdempotencyRecord.objects.filter(pk=record.pk, order_id__isnull=True).update(
            order_id=order.id
        ):
            record.order_id = None
            raise KeyAlreadyClaimed(record.key)
        return
    try:
        # The first statement of the transaction: on a key seen before, nothing was written.
        record.save(using=DB, force_insert=True)
    except IntegrityError as taken:
        record.order_id = None
        raise KeyAlreadyClaimed(record.key) from taken


def resume_placement(*, order_id: UUID) -> Order:
    """Drive a ``pending`` order onwards from wherever it stopped; a final one is returned.

    Raises ``OrderBusy`` while another driver holds the order.
    """
    order = reload(order_id)
    if order.status != OrderStatus.PENDING:
        return order
    try:
        lease = claim(order_id=order_id, operation=Operation.PLACE, target=OrderStatus.CONFIRMED)
    except IllegalTransition:
        return reload(order_id)
    return drive_placement(lease)


def drive_placement(lease: Lease, *, order: Order | None = None) -> Order:
    """Reserve, authorize, hold and confirm under ``lease``; each step is idempotent per order.

    ``order`` is the row as it stands, with its lines, when the caller has it already.
    """
    if order is None:
        order = reload(lease.order_id)
    stock_lines = [StockLine(sku=line.sku, quantity=line.quantity) for line in order.lines.all()]
    inventory, payments = bound(InventoryService), bound(PaymentsService)
    try:
        try:
            inventory.reserve(order_id=order.id, lines=stock_lines)
        except (InsufficientStock, UnknownProducts) as short:
            _reject(lease, order, short_skus=short.skus, reason="insufficient_stock")
            return order
        except ReservationClosed:
            # Resumed after the reservation lapsed: the stock is no longer held.
            return _reject_lapsed(lease, order)

        try:
            payment = payments.authorize(
                order_id=order.id,
                amount=Money(order.total_minor, order.currency),
                payment_method=order.payment_method,
            )
        except PaymentProviderUnavailable:
            payment = None
        if payment is None or payment.status == PaymentStatus.UNRESOLVED:
            # The outcome is unknown; keep the stock and let a retry or the reconciler
            # settle it once payments knows what the provider did.
            let_go(lease, keep_operation=True)
            return reload(order.id)
        if payment.status in PAYMENT_FAILURES:
            inventory.release(order_id=order.id)
            reason = payment.decline_reason or str(payment.status)
            finish(
                lease,
                target=OrderStatus.PAYMENT_FAILED,
                reason=reason,
                events=[OrderPaymentFailed(order_id=order.id, reason=reason)],
                order=order,
            )
            return order
        try:
            # Confirmed orders keep their stock until shipped or cancelled.
            inventory.hold(order_id=order.id)
        except ReservationClosed:
            return _reject_lapsed(lease, order)
        finish(
            lease,
            target=OrderStatus.CONFIRMED,
            events=[
                OrderConfirmed(
                    order_id=order.id,
                    customer_id=order.customer_id,
                    total=Money(order.total_minor, order.currency),
                )
            ],
            order=order,
        )
    except LeaseLost:
        logger.warning("placement of order %s overran its lease; another driver has it", order.id)
        current = reload(order.id)
        if current.status in (OrderStatus.REJECTED, OrderStatus.PAYMENT_FAILED):
            # The reconciler gave up on this order while it stalled; whatever this
            # driver took since must be given back (both calls are idempotent).
            _give_back_quietly(current.id)
        return current
    except BaseException:
        # The process lives on (an error, a lost connection): a retry may resume at
        # once. Had it died, the lease would run out instead.
        let_go(lease, keep_operation=True)
        raise
    return order


def _give_back_quietly(order_id: UUID) -> None:
    try:
        bound(PaymentsService).void(order_id=order_id)
        bound(InventoryService).release(order_id=order_id)
    except (PaymentError, InventoryError):
        logger.exception("could not give back what order %s held", order_id)


def _reject_lapsed(lease: Lease, order: Order) -> Order:
    """The reservation expired before the order was confirmed: void any authorization, reject."""
    try:
        bound(PaymentsService).void(order_id=order.id)
    except PaymentError:
        let_go(lease, keep_operation=True)  # the reconciler voids it later
        return reload(order.id)
    _reject(lease, order, short_skus=[line.sku for line in order.lines.all()], reason="expired")
    return order


def _reject(lease: Lease, order: Order, *, short_skus: Sequence[str], reason: str) -> None:
    skus = sorted(short_skus)
    finish(
        lease,
        target=OrderStatus.REJECTED,
        short_skus=skus,
        reason=reason,
        events=[OrderRejected(order_id=order.id, short_skus=tuple(skus))],
        order=order,
    )


def _validated_prices(*, lines: Sequence[LineRequest], payment_method: str) -> dict[str, Money]:
    errors: list[dict[str, str]] = []
    if not lines:
        errors.append({"field": "lines", "message": "An order needs at least one line."})
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                {
                    "field": f"lines[{index}].quantity",
                    "message": f"Quantity must be between 1 and {MAX_QUANTITY}.",
                }
            )
        if line.sku in seen:
            errors.append({"field": f"lines[{index}].sku", "message": "Duplicate SKU."})
        seen.add(line.sku)
    if payment_method not in bound(PaymentsService).supported_payment_methods():
        errors.append({"field": "payment_method", "message": "Unsupported payment method."})
    products = bound(InventoryService).get_products(skus=sorted(seen)) if seen else {}
    for index, line in enumerate(lines):
        if line.sku not in products:
            errors.append({"field": f"lines[{index}].sku", "message": "Unknown product."})
    currencies = {product.price.currency for product in products.values()}
    if len(currencies) > 1:
        errors.append(
            {"field": "lines", "message": "All products of an order must share one currency."}
        )
    if not errors:
        total = sum(products[line.sku].price.amount_minor * line.quantity for line in lines)
        if total > MAX_TOTAL_MINOR:
            errors.append({"field": "lines", "message": "The order total is too large."})
    if errors:
        raise OrderInvalid(errors)
    return {sku: product.price for sku, product in products.items()}


# After placement.

CUSTOMER_CANCELLED = "customer_request"


def cancel_order(*, order_id: UUID, reason: str = CUSTOMER_CANCELLED) -> Order:
    """Void the authorization, release the stock and mark the order ``cancelled``.

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
            let_go(lease)
            raise OperationRefused(lease.order_id, f"The payment cannot be voided: {exc}") from exc
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
    reservation lapsed or the payment cannot be captured (nothing is changed then).
    """
    lease = claim(order_id=order_id, operation=Operation.SHIP, target=OrderStatus.SHIPPED)
    return drive_ship(lease)


def drive_ship(lease: Lease) -> Order:
    with unfinished_on_error(lease):
        return _drive_ship(lease)


def _drive_ship(lease: Lease) -> Order:
    order_id = lease.order_id
    inventory, payments = bound(InventoryService), bound(PaymentsService)
    reservation = inventory.get_reservation(order_id=order_id)
    if reservation is None or reservation.state not in (
        ReservationState.RESERVED,
        ReservationState.COMMITTED,
    ):
        let_go(lease)
        state = "missing" if reservation is None else reservation.state
        raise OperationRefused(order_id, f"The order's stock reservation is {state}.")
    try:
        payment = payments.capture(order_id=order_id)
    except PaymentProviderUnavailable as exc:
        let_go(lease, keep_operation=True)
        raise PaymentProviderBusy(order_id) from exc
    except (InvalidPaymentState, PaymentNotFound) as exc:
        let_go(lease)
        raise OperationRefused(order_id, f"The payment cannot be captured: {exc}") from exc
    if payment.status != PaymentStatus.CAPTURED:
        # Refused by the provider (an expired authorization): nothing ships unpaid.
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
