"""The implementation of contracts.payments.PaymentsService."""

from __future__ import annotations

from collections.abc import Sequence
from typing import final
from uuid import UUID

from contracts.common import HistoryEntry, Money
from contracts.payments import Payment, PaymentsService, PaymentStatus
from shop.payments import models, selectors, services


def to_contract(payment: models.Payment) -> Payment:
    """The contract DTO of a payment row."""
    return Payment(
        order_id=payment.order_id,
        status=PaymentStatus(payment.status),
        amount=Money(payment.amount_minor, payment.currency),
        captured_minor=payment.captured_minor,
        refunded_minor=payment.refunded_minor,
        provider=payment.provider,
        provider_reference=payment.provider_reference or None,
        decline_reason=payment.decline_reason or None,
    )


# Declares its contract: the type checker holds every method to the Protocol's
# signature, and being final, to the Protocol's every method (make lint).
@final
class PaymentsFacade(PaymentsService):
    """Payments as other apps see it: one payment per order, every call but a partial
    refund idempotent."""

    def supported_payment_methods(self) -> frozenset[str]:
        return services.supported_payment_methods()

    def authorize(self, *, order_id: UUID, amount: Money, payment_method: str) -> Payment:
        return to_contract(
            services.authorize_payment(
                order_id=order_id, amount=amount, payment_method=payment_method
            )
        )

    def capture(self, *, order_id: UUID) -> Payment:
        return to_contract(services.capture_payment(order_id=order_id))

    def void(self, *, order_id: UUID) -> Payment | None:
        payment = services.void_payment(order_id=order_id)
        return None if payment is None else to_contract(payment)

    def refund(self, *, order_id: UUID, amount_minor: int | None = None) -> Payment:
        return to_contract(services.refund_payment(order_id=order_id, amount_minor=amount_minor))

    def get(self, *, order_id: UUID) -> Payment | None:
        payment = selectors.payment_for_order(order_id=order_id)
        return None if payment is None else to_contract(payment)

    def get_many(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Payment]:
        return {
            payment.order_id: to_contract(payment)
            for payment in selectors.payments_for_orders(order_ids=order_ids)
        }

    def payment_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        return tuple(selectors.payment_history(order_id=order_id))

    def order_ids_with_status(self, *, statuses: Sequence[PaymentStatus], limit: int) -> list[UUID]:
        return selectors.order_ids_with_status(
            statuses=[PaymentStatus(status).value for status in statuses], limit=limit
        )
