"""The inventory contract: catalog, stock and reservations per order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar, Protocol
from uuid import UUID

from contracts.common import DomainEvent, HistoryEntry, Money, idempotent


class ReservationState(StrEnum):
    RESERVED = "reserved"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    price: Money
    available: int
    active: bool


@dataclass(frozen=True, slots=True)
class StockLine:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Reservation:
    order_id: UUID
    state: ReservationState
    lines: tuple[StockLine, ...]
    expires_at: datetime | None  # None once held for a confirmed order


class InventoryError(Exception):
    """Base of the errors inventory raises to its callers."""


class InsufficientStock(InventoryError):
    """One or more lines could not be reserved; nothing was reserved."""

    def __init__(self, skus: Sequence[str]) -> None:
        self.skus = tuple(sorted(skus))
        super().__init__(f"Insufficient stock for {', '.join(self.skus)}")


class UnknownProducts(InventoryError):
    """Some SKUs name no active product."""

    def __init__(self, skus: Sequence[str]) -> None:
        self.skus = tuple(sorted(skus))
        super().__init__(f"Unknown products: {', '.join(self.skus)}")


class ProductAlreadyExists(InventoryError):
    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"Product {sku} already exists")


class ReservationNotFound(InventoryError):
    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"No reservation for order {order_id}")


class ReservationClosed(InventoryError):
    """The reservation is in a state that does not allow the operation."""

    def __init__(self, order_id: UUID, state: ReservationState, operation: str) -> None:
        self.order_id, self.state, self.operation = order_id, state, operation
        super().__init__(f"Cannot {operation} reservation of order {order_id}: it is {state}")


@dataclass(frozen=True, kw_only=True)
class StockReserved(DomainEvent):
    name: ClassVar[str] = "inventory.stock_reserved"
    order_id: UUID
    lines: tuple[StockLine, ...]
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class StockReleased(DomainEvent):
    name: ClassVar[str] = "inventory.stock_released"
    order_id: UUID
    lines: tuple[StockLine, ...]
    reason: str  # "released" or "expired"


@dataclass(frozen=True, kw_only=True)
class StockCommitted(DomainEvent):
    name: ClassVar[str] = "inventory.stock_committed"
    order_id: UUID
    lines: tuple[StockLine, ...]


@dataclass(frozen=True, kw_only=True)
class StockLow(DomainEvent):
    name: ClassVar[str] = "inventory.stock_low"
    key_field: ClassVar[str] = "sku"
    sku: str
    available: int
    threshold: int


class InventoryService(Protocol):
    """What other apps may ask of inventory."""

    @idempotent
    def get_products(self, *, skus: Sequence[str]) -> dict[str, Product]:
        """The active products among ``skus``, by SKU; unknown SKUs are absent."""
        ...

    @idempotent
    def reserve(
        self, *, order_id: UUID, lines: Sequence[StockLine], ttl: timedelta | None = None
    ) -> Reservation:
        """Reserve every line for the order, or none.

        Raises ``InsufficientStock`` naming the short SKUs, ``UnknownProducts``, or
        ``ReservationClosed`` if the order's reservation already ended. Idempotent per
        order id: a second call returns the existing reservation.
        """
        ...

    @idempotent
    def hold(self, *, order_id: UUID) -> Reservation:
        """Keep the reservation until it is committed or released: it no longer expires.

        Called when the order is confirmed. Idempotent. Raises ``ReservationNotFound``,
        or ``ReservationClosed`` if it was released or expired first.
        """
        ...

    @idempotent
    def commit(self, *, order_id: UUID) -> Reservation:
        """Turn the reservation into a sale (stock leaves on-hand). Idempotent."""
        ...

    @idempotent
    def release(self, *, order_id: UUID) -> Reservation | None:
        """Give the reserved stock back. Idempotent; ``None`` if nothing was reserved."""
        ...

    @idempotent
    def get_reservation(self, *, order_id: UUID) -> Reservation | None:
        """The order's reservation, if any."""
        ...

    @idempotent
    def get_reservations(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Reservation]:
        """The reservations of these orders, by order id; orders without one are absent."""
        ...

    @idempotent
    def reservation_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        """What inventory did for the order (the events it published), oldest first."""
        ...

    def create_product(
        self, *, sku: str, name: str, price: Money, stock: int, low_stock_threshold: int = 5
    ) -> Product:
        """Add a product to the catalog. Raises ``ProductAlreadyExists``."""
        ...

    def restock(self, *, sku: str, quantity: int) -> Product:
        """Add ``quantity`` units on hand. Raises ``UnknownProducts``."""
        ...
