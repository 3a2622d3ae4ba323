"""The implementation of contracts.inventory.InventoryService."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from uuid import UUID

from contracts.common import Money
from contracts.inventory import Product, Reservation, StockLine


class InventoryFacade:
    def get_products(self, *, skus: Sequence[str]) -> dict[str, Product]:
        raise NotImplementedError

    def reserve(
        self, *, order_id: UUID, lines: Sequence[StockLine], ttl: timedelta | None = None
    ) -> Reservation:
        raise NotImplementedError

    def commit(self, *, order_id: UUID) -> Reservation:
        raise NotImplementedError

    def release(self, *, order_id: UUID) -> Reservation | None:
        raise NotImplementedError

    def get_reservation(self, *, order_id: UUID) -> Reservation | None:
        raise NotImplementedError

    def create_product(
        self, *, sku: str, name: str, price: Money, stock: int, low_stock_threshold: int = 5
    ) -> Product:
        raise NotImplementedError

    def restock(self, *, sku: str, quantity: int) -> Product:
        raise NotImplementedError
