"""In-memory payments that keep their contract, bound in orders' tests: the simulated
provider of API.md § Payments.

Thread-safe (one lock); counts the calls made and the provider operations, so tests can
prove that nothing was charged twice.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from contracts.common import HistoryEntry, Money
from contracts.currencies import to_decimal_string
from contracts.payments import (
    InvalidPaymentState,
    Payment,
    PaymentNotFound,
    PaymentProviderUnavailable,
    PaymentStatus,
    RefundExceedsCapture,
    UnsupportedPaymentMethod,
)
from tests.orders.faults import Faults


class FakePayments:
    """The simulated provider of API.md § Payments, one payment per order."""

    DECLINES = {
        "pm_card_chargeDeclined": "card_declined",
        "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    }
    METHODS = frozenset({"pm_card_visa", "pm_card_mastercard", *DECLINES})
    HOLDING = frozenset({PaymentStatus.AUTHORIZED})
    # Captured, and perhaps refunded since: capturing again returns the payment as it is.
    CAPTURED = frozenset(
        {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
    )

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.payments: dict[UUID, Payment] = {}
        self.told: dict[UUID, list[HistoryEntry]] = {}
        self.calls: Counter[str] = Counter()
        self.provider_calls: Counter[str] = Counter()
        self.provider_down = False
        self.faults = Faults()

    # Test set-up and inspection.
    def status_of(self, order_id: UUID) -> PaymentStatus | None:
        payment = self.payments.get(order_id)
        return None if payment is None else payment.status

    def money_held(self) -> dict[UUID, PaymentStatus]:
        """Payments that hold or took the customer's money."""
        taken = {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED}
        return {o: p.status for o, p in self.payments.items() if p.status in taken}

    def settle_unresolved(self, order_id: UUID, status: PaymentStatus) -> None:
        """What payments' resolver does once the provider says what happened."""
        with self._lock:
            self.payments[order_id] = replace(self.payments[order_id], status=status)

    def fail_after_authorization(self, order_id: UUID) -> None:
        with self._lock:
            self.payments[order_id] = replace(self.payments[order_id], status=PaymentStatus.FAILED)

    # The contract.
    def supported_payment_methods(self) -> frozenset[str]:
        return self.METHODS

    def authorize(self, *, order_id: UUID, amount: Money, payment_method: str) -> Payment:
        self.faults.before("authorize")
        with self._lock:
            self.calls["authorize"] += 1
            if payment_method not in self.METHODS:
                raise UnsupportedPaymentMethod(payment_method)
            existing = self.payments.get(order_id)
            if existing is not None and existing.status != PaymentStatus.UNRESOLVED:
                return existing
            if self.provider_down:
                self.payments[order_id] = self._payment(order_id, amount, PaymentStatus.UNRESOLVED)
                raise PaymentProviderUnavailable(order_id, "authorize")
            self.provider_calls["authorize"] += 1
            reason = self.DECLINES.get(payment_method)
            status = PaymentStatus.DECLINED if reason else PaymentStatus.AUTHORIZED
            payment = self._payment(order_id, amount, status, decline_reason=reason)
            self.payments[order_id] = payment
            if reason:
                self._tell(payment, "authorize", amount.amount_minor, f"declined: reason: {reason}")
            else:
                self._tell(payment, "authorize", amount.amount_minor, "authorized: {money}")
        self.faults.after("authorize")
        return payment

    def capture(self, *, order_id: UUID) -> Payment:
        self.faults.before("capture")
        with self._lock:
            self.calls["capture"] += 1
            payment = self._existing(order_id)
            if payment.status in self.CAPTURED:
                return payment
            if payment.status != PaymentStatus.AUTHORIZED:
                raise InvalidPaymentState(order_id, payment.status, "capture")
            self._provider("capture", order_id)
            payment = replace(
                payment, status=PaymentStatus.CAPTURED, captured_minor=payment.amount.amount_minor
            )
            self.payments[order_id] = payment
            self._tell(payment, "capture", payment.captured_minor, "captured: {money}")
            return payment

    def void(self, *, order_id: UUID) -> Payment | None:
        self.faults.before("void")
        with self._lock:
            self.calls["void"] += 1
            payment = self.payments.get(order_id)
            if payment is None:
                return None
            if payment.status in (
                PaymentStatus.VOIDED,
                PaymentStatus.DECLINED,
                PaymentStatus.FAILED,
            ):
                return payment
            if payment.status != PaymentStatus.AUTHORIZED:
                raise InvalidPaymentState(order_id, payment.status, "void")
            self._provider("void", order_id)
            payment = replace(payment, status=PaymentStatus.VOIDED)
            self.payments[order_id] = payment
            self._tell(payment, "void", payment.amount.amount_minor, "voided")
            return payment

    def refund(self, *, order_id: UUID, amount_minor: int | None = None) -> Payment:
        with self._lock:
            self.calls["refund"] += 1
            payment = self._existing(order_id)
            if payment.status == PaymentStatus.REFUNDED and amount_minor is None:
                return payment
            if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
                raise InvalidPaymentState(order_id, payment.status, "refund")
            refundable = payment.captured_minor - payment.refunded_minor
            requested = refundable if amount_minor is None else amount_minor
            if requested > refundable or requested <= 0:
                raise RefundExceedsCapture(order_id, requested, refundable)
            self._provider("refund", order_id)
            refunded = payment.refunded_minor + requested
            status = (
                PaymentStatus.REFUNDED
                if refunded == payment.captured_minor
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            payment = replace(payment, status=status, refunded_minor=refunded)
            self.payments[order_id] = payment
            self._tell(payment, "refund", requested, "refunded: {money}")
            return payment

    def get(self, *, order_id: UUID) -> Payment | None:
        with self._lock:
            return self.payments.get(order_id)

    def get_many(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Payment]:
        with self._lock:
            return {i: self.payments[i] for i in order_ids if i in self.payments}

    def payment_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        with self._lock:
            return tuple(self.told.get(order_id, ()))

    def order_ids_with_status(self, *, statuses: Sequence[PaymentStatus], limit: int) -> list[UUID]:
        with self._lock:
            newest_first = reversed(self.payments.items())
            return [i for i, p in newest_first if p.status in statuses][:limit]

    def _tell(self, payment: Payment, operation: str, amount_minor: int, event: str) -> None:
        """Record a provider call that succeeded and the event published after it, as
        payments' history tells them (``event``: ``"captured: {money}"``)."""
        currency = payment.amount.currency
        money = f"{to_decimal_string(amount_minor, currency)} {currency}"
        outcome = f"declined: {payment.decline_reason}" if payment.decline_reason else "succeeded"
        self.told.setdefault(payment.order_id, []).extend(
            [
                HistoryEntry(
                    datetime.now(UTC), "payments", f"Asked fake to {operation} {money}", outcome
                ),
                HistoryEntry(
                    datetime.now(UTC),
                    "payments",
                    f"Payment {event.format(money=money)}",
                    "delivered",
                    event_id=str(uuid.uuid4()),
                ),
            ]
        )

    def _existing(self, order_id: UUID) -> Payment:
        payment = self.payments.get(order_id)
        if payment is None:
            raise PaymentNotFound(order_id)
        return payment

    def _provider(self, operation: str, order_id: UUID) -> None:
        if self.provider_down:
            raise PaymentProviderUnavailable(order_id, operation)
        self.provider_calls[operation] += 1

    @staticmethod
    def _payment(
        order_id: UUID, amount: Money, status: PaymentStatus, decline_reason: str | None = None
    ) -> Payment:
        return Payment(
            order_id=order_id,
            status=status,
            amount=amount,
            captured_minor=0,
            refunded_minor=0,
            provider="fake",
            provider_reference=f"fake_{order_id.hex[:12]}",
            decline_reason=decline_reason,
        )
