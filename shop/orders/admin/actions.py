"""Ship, cancel and refund from the admin, in the business's words.

Each act first shows what it will do to each order (capture of 39.80 EUR, stock
committed) or why it will be refused, and does it only once confirmed; afterwards a
message per order says what was done, or why not. Every act goes through orders'
use cases and needs its explicit permission (``orders.ship_order``...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from contracts.common import ServiceUnavailable
from contracts.currencies import money_text
from contracts.orders import OrderStatus
from contracts.payments import Payment
from shop.orders import operations, selectors
from shop.orders.errors import (
    IllegalTransition,
    OperationRefused,
    OrderBusy,
    OrderError,
    OrderNotFound,
    PaymentProviderBusy,
)
from shop.orders.models import Order, can_transition, sources_of


@dataclass(frozen=True)
class OrderAct:
    """One thing staff may do to orders: its names, its permission and its use case."""

    name: str  # the admin action's name
    slug: str  # in the order page's URL
    label: str  # on the button
    description: str  # in the actions menu
    permission: str
    target: OrderStatus
    use_case: Callable[..., Order]
    done: str  # "shipped"

    def allows(self, order: Order) -> bool:
        return can_transition(order.status, self.target)

    def plan(self, order: Order, payment: Payment | None) -> str:
        """What confirming will do to ``order``, or why it will be refused."""
        if not self.allows(order):
            return f"Will be refused: {self._wrong_status(order.status)}."
        total = money_text(order.total_minor, order.currency)
        stock = lines_text(order)
        if self.target == OrderStatus.SHIPPED:
            return f"Capture of {total}; {stock} committed from stock."
        if self.target == OrderStatus.CANCELLED:
            return f"Authorization of {total} voided (nothing was taken); {stock} back to stock."
        refundable = (
            payment.captured_minor - payment.refunded_minor
            if payment is not None
            else order.total_minor
        )
        return f"Refund of {money_text(refundable, order.currency)} to the customer."

    def report(self, order: Order, payment: Payment | None) -> str:
        """What was done, once the use case returned."""
        if order.status != self.target:
            # The use case settled it otherwise (an order already final, say).
            return f"Order {order.id} is {order.status}."
        total = money_text(order.total_minor, order.currency)
        stock = lines_text(order)
        if self.target == OrderStatus.SHIPPED:
            captured = money_text(payment.captured_minor, order.currency) if payment else total
            return f"Order {order.id} shipped: {captured} captured, {stock} committed from stock."
        if self.target == OrderStatus.CANCELLED:
            return f"Order {order.id} cancelled: authorization of {total} voided, {stock} released."
        refunded = money_text(payment.refunded_minor, order.currency) if payment else total
        return f"Order {order.id} refunded: {refunded} returned to the customer."

    def refusal(self, order_id: UUID, error: Exception) -> str:
        """Why the act was refused, for the person who asked."""
        return f"Order {order_id} was not {self.done}: {self.why(error)}."

    def why(self, error: Exception) -> str:
        match error:
            case IllegalTransition():
                return self._wrong_status(error.status)
            case OrderBusy():
                return "another change to it is under way; try again in a moment"
            case PaymentProviderBusy():
                return (
                    "the payment provider did not answer; the order is settled "
                    "automatically once it does"
                )
            case OperationRefused():
                return str(error).rstrip(".")
            case OrderNotFound():
                return "it no longer exists"
            case ServiceUnavailable():
                return f"{error.service} cannot be reached right now; try again shortly"
        return str(error).rstrip(".")

    def _wrong_status(self, status: str) -> str:
        allowed = " or ".join(sorted(s.value for s in sources_of(self.target)))
        return f"it is {status}; only {allowed} orders can be {self.done}"


def lines_text(order: Order) -> str:
    return ", ".join(f"{line.quantity} x {line.sku}" for line in order.lines.all())


ACTS: dict[str, OrderAct] = {
    act.name: act
    for act in (
        OrderAct(
            name="ship_orders",
            slug="ship",
            label="Ship",
            description="Ship (capture the payment, commit the stock)",
            permission="orders.ship_order",
            target=OrderStatus.SHIPPED,
            use_case=operations.ship_order,
            done="shipped",
        ),
        OrderAct(
            name="cancel_orders",
            slug="cancel",
            label="Cancel",
            description="Cancel (void the payment, release the stock)",
            permission="orders.cancel_order",
            target=OrderStatus.CANCELLED,
            use_case=operations.cancel_order,
            done="cancelled",
        ),
        OrderAct(
            name="refund_orders",
            slug="refund",
            label="Refund",
            description="Refund (return the captured payment)",
            permission="orders.refund_order",
            target=OrderStatus.REFUNDED,
            use_case=operations.refund_order,
            done="refunded",
        ),
    )
}
BY_SLUG = {act.slug: act for act in ACTS.values()}


@dataclass(frozen=True)
class Outcome:
    succeeded: list[str]
    refused: list[str]


def perform(act: OrderAct, order_ids: Sequence[UUID]) -> Outcome:
    """Run the act's use case on each order; what was done and what was refused."""
    succeeded, refused = [], []
    for order_id in order_ids:
        try:
            act.use_case(order_id=order_id)
        except (OrderError, ServiceUnavailable) as error:
            refused.append(act.refusal(order_id, error))
            continue
        order = selectors.order_get(order_id=order_id)
        if order is None:
            refused.append(act.refusal(order_id, OrderNotFound(order_id)))
            continue
        try:
            payment = selectors.payment_of(order_id=order_id)
        except ServiceUnavailable:
            # Done already: say so from the order alone, and go on with the others.
            payment = None
        succeeded.append(act.report(order, payment))
    return Outcome(succeeded, refused)
