"""The orders contract: an order's status and lines, and the facts of its life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Protocol
from uuid import UUID

from contracts.common import DomainEvent, Money, idempotent


class OrderStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    PAYMENT_FAILED = "payment_failed"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class Order:
    order_id: UUID
    customer_id: int
    status: OrderStatus
    lines: tuple[OrderLine, ...]
    total: Money
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, kw_only=True)
class OrderConfirmed(DomainEvent):
    name: ClassVar[str] = "orders.order_confirmed"
    order_id: UUID
    customer_id: int
    total: Money


@dataclass(frozen=True, kw_only=True)
class OrderRejected(DomainEvent):
    name: ClassVar[str] = "orders.order_rejected"
    order_id: UUID
    short_skus: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OrderPaymentFailed(DomainEvent):
    name: ClassVar[str] = "orders.order_payment_failed"
    order_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(DomainEvent):
    name: ClassVar[str] = "orders.order_cancelled"
    order_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderShipped(DomainEvent):
    name: ClassVar[str] = "orders.order_shipped"
    order_id: UUID


@dataclass(frozen=True, kw_only=True)
class OrderRefunded(DomainEvent):
    name: ClassVar[str] = "orders.order_refunded"
    order_id: UUID
    amount: Money


class OrdersService(Protocol):
    """What other apps may ask of orders."""

    @idempotent
    def get_order(self, *, order_id: UUID) -> Order | None:
        """The order's status and lines, if it exists."""
        ...
