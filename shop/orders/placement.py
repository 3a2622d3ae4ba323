"""Placing an order: pending -> reserve -> authorize -> confirmed (ARCHITECTURE §3).

The compensations: stock short -> ``rejected``; payment declined -> stock released,
``payment_failed``; outcome unknown -> left ``pending`` for a retry or the reconciler.
Progress is persisted before each call to another app, and every call is idempotent
per order id, so a placement interrupted anywhere is resumed (by the client's retry)
or settled (by the reconciler) without a second reservation or charge.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from contracts.common import Money
from contracts.inventory import (
    InsufficientStock,
    InventoryError,
    InventoryService,
    ReservationClosed,
    StockLine,
    UnknownProducts,
)
from contracts.orders import OrderConfirmed, OrderPaymentFailed, OrderRejected, OrderStatus
from contracts.payments import (
    Payment,
    PaymentError,
    PaymentProviderUnavailable,
    PaymentsService,
    PaymentStatus,
)
from shop.orders import idempotency
from shop.orders.driving import (
    DB,
    PAYMENT_FAILURES,
    Lease,
    LeaseLost,
    claim,
    finish,
    let_go,
    new_lease_fields,
    reload,
    with_lines,
)
from shop.orders.errors import IllegalTransition, OrderInvalid
from shop.orders.models import MAX_QUANTITY, IdempotencyRecord, Operation, Order, OrderLine
from shop.platform.bindings import bound
from shop.platform.rows import insert, insert_all

logger = logging.getLogger(__name__)

# Why an order was rejected (``Order.reason``); each is answered with its own problem type.
REJECTED_STOCK_SHORT = "insufficient_stock"
REJECTED_UNAVAILABLE = "product_unavailable"
REJECTED_RESERVATION_EXPIRED = "expired"
REJECTED_NOT_COMPLETED = "not_completed"  # the reconciler gave up on an interrupted one
# What the order, payment and ledger columns (64-bit) can hold, with room to spare.
MAX_TOTAL_MINOR = 10**15


@dataclass(frozen=True)
class LineRequest:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Placed:
    """What placing an order came to: the order, and its payment as ``authorize`` answered.

    ``payment`` is ``None`` when no payment was made (free products only, stock short)
    or its outcome is not known yet; the answer then asks payments, as any read does.
    """

    order: Order
    payment: Payment | None = None


def place_order(
    *,
    customer_id: int,
    lines: Sequence[LineRequest],
    payment_method: str,
    idempotency_record: IdempotencyRecord | None = None,
) -> Placed:
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
            idempotency.link_order(idempotency_record, order)
        insert(order, using=DB)
        order_lines = [
            OrderLine(
                order=order,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_minor=prices[line.sku].amount_minor,
            )
            for line in lines
        ]
        insert_all(order_lines, using=DB)
    lease = Lease(order.id, lease_fields["driver_token"], Operation.PLACE)
    return _drive(lease, with_lines(order, order_lines))


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
    return _drive(lease, reload(lease.order_id) if order is None else order).order


def _drive(lease: Lease, order: Order) -> Placed:
    stock_lines = [StockLine(sku=line.sku, quantity=line.quantity) for line in order.lines.all()]
    inventory, payments = bound(InventoryService), bound(PaymentsService)
    try:
        try:
            inventory.reserve(order_id=order.id, lines=stock_lines)
        except InsufficientStock as short:
            _reject(lease, order, short_skus=short.skus, reason=REJECTED_STOCK_SHORT)
            return Placed(order)
        except UnknownProducts as withdrawn:
            # Inactive, or gone from the catalog since the order was validated.
            _reject(lease, order, short_skus=withdrawn.skus, reason=REJECTED_UNAVAILABLE)
            return Placed(order)
        except ReservationClosed:
            # Resumed after the reservation lapsed: the stock is no longer held.
            return Placed(_reject_lapsed(lease, order))

        payment: Payment | None = None
        if not order.is_free:  # free products only: there is nothing to authorize
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
                return Placed(reload(order.id))
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
                return Placed(order)
        try:
            # Confirmed orders keep their stock until shipped or cancelled.
            inventory.hold(order_id=order.id)
        except ReservationClosed:
            return Placed(_reject_lapsed(lease, order))
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
        return Placed(current)
    except BaseException:
        # The process lives on (an error, a lost connection): a retry may resume at
        # once. Had it died, the lease would run out instead.
        let_go(lease, keep_operation=True)
        raise
    return Placed(order, payment)


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
    skus = [line.sku for line in order.lines.all()]
    _reject(lease, order, short_skus=skus, reason=REJECTED_RESERVATION_EXPIRED)
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
