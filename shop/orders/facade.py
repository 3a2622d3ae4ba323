"""The implementation of contracts.orders.OrdersService."""

from __future__ import annotations

from typing import final
from uuid import UUID

from contracts.common import Money
from contracts.orders import Order, OrderLine, OrdersService, OrderStatus
from shop.orders import models, selectors


def to_contract(order: models.Order) -> Order:
    """The contract DTO of an order row and its lines."""
    return Order(
        order_id=order.id,
        customer_id=order.customer_id,
        status=OrderStatus(order.status),
        lines=tuple(
            OrderLine(
                sku=line.sku,
                quantity=line.quantity,
                unit_price=Money(line.unit_price_minor, order.currency),
            )
            for line in order.lines.all()
        ),
        total=Money(order.total_minor, order.currency),
        created_at=order.created_at,
        updated_at=order.updated_at,
    )


# Declares its contract: the type checker holds every method to the Protocol's
# signature, and being final, to the Protocol's every method (make lint).
@final
class OrdersFacade(OrdersService):
    """Orders as other apps see it: read-only."""

    def get_order(self, *, order_id: UUID) -> Order | None:
        order = selectors.order_get(order_id=order_id)
        return None if order is None else to_contract(order)
