"""The payments contract: authorize, capture, void and refund one payment per order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Protocol
from uuid import UUID

from contracts.common import DomainEvent, HistoryEntry, Money, idempotent


class PaymentStatus(StrEnum):
    AUTHORIZED = "authorized"
    DECLINED = "declined"
    CAPTURED = "captured"
    VOIDED = "voided"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    FAILED = "failed"
    # The provider did not answer; a resolver asks it later what happened.
    UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Payment:
    order_id: UUID
    status: PaymentStatus
    amount: Money
    captured_minor: int
    refunded_minor: int
    provider: str
    provider_reference: str | None
    decline_reason: str | None


class PaymentError(Exception):
    """Base of the errors payments raises to its callers."""


class UnsupportedPaymentMethod(PaymentError):
    def __init__(self, payment_method: str) -> None:
        self.payment_method = payment_method
        super().__init__(f"Unsupported payment method {payment_method!r}")


class PaymentNotFound(PaymentError):
    def __init__(self, order_id: UUID) -> None:
        self.order_id = order_id
        super().__init__(f"No payment for order {order_id}")


class InvalidPaymentState(PaymentError):
    """The payment's status does not allow the operation."""

    def __init__(self, order_id: UUID, status: PaymentStatus, operation: str) -> None:
        self.order_id, self.status, self.operation = order_id, status, operation
        super().__init__(f"Cannot {operation} payment of order {order_id}: it is {status}")


class RefundExceedsCapture(PaymentError):
    def __init__(self, order_id: UUID, requested_minor: int, refundable_minor: int) -> None:
        self.order_id = order_id
        self.requested_minor, self.refundable_minor = requested_minor, refundable_minor
        super().__init__(
            f"Refund of {requested_minor} exceeds the {refundable_minor} refundable "
            f"for order {order_id}"
        )


class PaymentProviderUnavailable(PaymentError):
    """The provider did not answer; the outcome is settled later by the resolver."""

    def __init__(self, order_id: UUID, operation: str) -> None:
        self.order_id, self.operation = order_id, operation
        super().__init__(f"Payment provider did not answer {operation} for order {order_id}")


@dataclass(frozen=True, kw_only=True)
class PaymentAuthorized(DomainEvent):
    name: ClassVar[str] = "payments.payment_authorized"
    order_id: UUID
    amount: Money


@dataclass(frozen=True, kw_only=True)
class PaymentDeclined(DomainEvent):
    name: ClassVar[str] = "payments.payment_declined"
    order_id: UUID
    reason: str


@dataclass(frozen=True, kw_only=True)
class PaymentCaptured(DomainEvent):
    name: ClassVar[str] = "payments.payment_captured"
    order_id: UUID
    amount: Money


@dataclass(frozen=True, kw_only=True)
class PaymentVoided(DomainEvent):
    name: ClassVar[str] = "payments.payment_voided"
    order_id: UUID


@dataclass(frozen=True, kw_only=True)
class PaymentRefunded(DomainEvent):
    name: ClassVar[str] = "payments.payment_refunded"
    order_id: UUID
    amount: Money
    refunded_total_minor: int


@dataclass(frozen=True, kw_only=True)
class PaymentFailedAfterAuthorization(DomainEvent):
    """The provider reported, after authorizing, that the money will not come."""

    name: ClassVar[str] = "payments.payment_failed_after_authorization"
    order_id: UUID
    reason: str


class PaymentsService(Protocol):
    """What other apps may ask of payments. Every operation but a partial refund is idempotent
    per order."""

    @idempotent
    def supported_payment_methods(self) -> frozenset[str]:
        """The payment methods ``authorize`` accepts."""
        ...

    @idempotent
    def authorize(self, *, order_id: UUID, amount: Money, payment_method: str) -> Payment:
        """Authorize ``amount`` for the order: status ``authorized`` or ``declined``.

        Raises ``UnsupportedPaymentMethod``, or ``PaymentProviderUnavailable`` when the
        provider did not answer (the payment is then ``unresolved``).
        """
        ...

    @idempotent
    def capture(self, *, order_id: UUID) -> Payment:
        """Capture the authorized amount. Raises ``PaymentNotFound``, ``InvalidPaymentState``.

        A payment captured already is returned as it is, refunded since in part or in full.
        """
        ...

    @idempotent
    def void(self, *, order_id: UUID) -> Payment | None:
        """Cancel an authorization; ``None`` when the order has no payment."""
        ...

    def refund(self, *, order_id: UUID, amount_minor: int | None = None) -> Payment:
        """Refund ``amount_minor`` (all that is left when ``None``) of the captured amount.

        Raises ``RefundExceedsCapture`` and changes nothing when asked for too much.
        Not marked idempotent: a partial refund asked twice refunds twice.
        """
        ...

    @idempotent
    def get(self, *, order_id: UUID) -> Payment | None:
        """The order's payment, if any."""
        ...

    @idempotent
    def get_many(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Payment]:
        """The payments of these orders, by order id; orders without one are absent."""
        ...

    @idempotent
    def payment_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        """The order's calls to the provider and the events payments published, oldest first."""
        ...

    @idempotent
    def order_ids_with_status(self, *, statuses: Sequence[PaymentStatus], limit: int) -> list[UUID]:
        """Orders whose payment is in one of ``statuses``: newest first, at most ``limit``."""
        ...
