"""The implementation of contracts.orders.OrdersService."""

from __future__ import annotations

from uuid import UUID

from contracts.orders import Order


class OrdersFacade:
    def get_order(self, *, order_id: UUID) -> Order | None:
        raise NotImplementedError
