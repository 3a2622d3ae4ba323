"""The implementation of contracts.payments.PaymentsService."""

from __future__ import annotations

from uuid import UUID

from contracts.common import Money
from contracts.payments import Payment


class PaymentsFacade:
    def supported_payment_methods(self) -> frozenset[str]:
        raise NotImplementedError

    def authorize(self, *, order_id: UUID, amount: Money, payment_method: str) -> Payment:
        raise NotImplementedError

    def capture(self, *, order_id: UUID) -> Payment:
        raise NotImplementedError

    def void(self, *, order_id: UUID) -> Payment | None:
        raise NotImplementedError

    def refund(self, *, order_id: UUID, amount_minor: int | None = None) -> Payment:
        raise NotImplementedError

    def get(self, *, order_id: UUID) -> Payment | None:
        raise NotImplementedError
