"""In-memory inventory and payments that keep their contracts, bound in orders' tests.

Both are thread-safe (one lock each) and count the calls made and the effects
produced, so tests can prove that nothing was reserved or charged twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from contracts.common import HistoryEntry, Money
from contracts.inventory import (
    InsufficientStock,
    Product,
    ProductAlreadyExists,
    Reservation,
    ReservationClosed,
    ReservationNotFound,
    ReservationState,
    StockLine,
    UnknownProducts,
)
from contracts.payments import (
    InvalidPaymentState,
    Payment,
    PaymentNotFound,
    PaymentProviderUnavailable,
    PaymentStatus,
    RefundExceedsCapture,
    UnsupportedPaymentMethod,
)


class Crash(Exception):
    """The request dies here (its connection dropped): nothing after this line runs.

    An ``Exception``, so the request's middleware unwinds as it would in a server; a
    process killed outright is simulated by also keeping its leases (see the tests).
    """


class Faults:
    """Per-method faults: ``slow``, ``crash_after`` (the effect happens, then the crash)."""

    def __init__(self) -> None:
        self.crash_after: set[str] = set()
        self.delay: dict[str, float] = {}

    def before(self, method: str) -> None:
        if method in self.delay:
            time.sleep(self.delay[method])

    def after(self, method: str) -> None:
        if method in self.crash_after:
            self.crash_after.discard(method)
            raise Crash(f"process died after {method}")


class FakeInventory:
    DEFAULT_TTL = timedelta(minutes=15)

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.products: dict[str, Product] = {}
        self.on_hand: dict[str, int] = {}
        self.reservations: dict[UUID, Reservation] = {}
        self.calls: Counter[str] = Counter()
        self.reservations_made = 0
        self.faults = Faults()

    # Test set-up and inspection.
    def add(self, sku: str, *, price: int, stock: int, currency: str = "EUR") -> None:
        with self._lock:
            self.products[sku] = Product(sku, sku.title(), Money(price, currency), stock, True)
            self.on_hand[sku] = stock

    def available(self, sku: str) -> int:
        return self.products[sku].available

    def expire(self, order_id: UUID) -> None:
        """Let the reservation lapse, as inventory's expiry job does (unless it is held)."""
        with self._lock:
            reservation = self.reservations[order_id]
            held = reservation.expires_at is None
            if reservation.state == ReservationState.RESERVED and not held:
                self._give_back(reservation)
                self.reservations[order_id] = replace(reservation, state=ReservationState.EXPIRED)

    def state_of(self, order_id: UUID) -> ReservationState | None:
        reservation = self.reservations.get(order_id)
        return None if reservation is None else reservation.state

    # The contract.
    def get_products(self, *, skus: Sequence[str]) -> dict[str, Product]:
        with self._lock:
            self.calls["get_products"] += 1
            return {sku: self.products[sku] for sku in skus if sku in self.products}

    def reserve(
        self, *, order_id: UUID, lines: Sequence[StockLine], ttl: timedelta | None = None
    ) -> Reservation:
        self.faults.before("reserve")
        with self._lock:
            self.calls["reserve"] += 1
            existing = self.reservations.get(order_id)
            if existing is not None:
                if existing.state in (ReservationState.RESERVED, ReservationState.COMMITTED):
                    return existing
                raise ReservationClosed(order_id, existing.state, "reserve")
            unknown = [line.sku for line in lines if line.sku not in self.products]
            if unknown:
                raise UnknownProducts(unknown)
            short = [
                line.sku for line in lines if self.products[line.sku].available < line.quantity
            ]
            if short:
                raise InsufficientStock(short)
            for line in lines:
                product = self.products[line.sku]
                self.products[line.sku] = replace(
                    product, available=product.available - line.quantity
                )
            reservation = Reservation(
                order_id,
                ReservationState.RESERVED,
                tuple(lines),
                datetime.now(UTC) + (ttl or self.DEFAULT_TTL),
            )
            self.reservations[order_id] = reservation
            self.reservations_made += 1
        self.faults.after("reserve")
        return reservation

    def hold(self, *, order_id: UUID) -> Reservation:
        with self._lock:
            self.calls["hold"] += 1
            reservation = self.reservations.get(order_id)
            if reservation is None:
                raise ReservationNotFound(order_id)
            if reservation.state in (ReservationState.RELEASED, ReservationState.EXPIRED):
                raise ReservationClosed(order_id, reservation.state, "hold")
            if reservation.state == ReservationState.RESERVED:
                reservation = replace(reservation, expires_at=None)
                self.reservations[order_id] = reservation
            return reservation

    def commit(self, *, order_id: UUID) -> Reservation:
        with self._lock:
            self.calls["commit"] += 1
            reservation = self.reservations.get(order_id)
            if reservation is None:
                raise ReservationNotFound(order_id)
            if reservation.state == ReservationState.COMMITTED:
                return reservation
            if reservation.state != ReservationState.RESERVED:
                raise ReservationClosed(order_id, reservation.state, "commit")
            for line in reservation.lines:
                self.on_hand[line.sku] -= line.quantity
            committed = replace(reservation, state=ReservationState.COMMITTED)
            self.reservations[order_id] = committed
            return committed

    def release(self, *, order_id: UUID) -> Reservation | None:
        self.faults.before("release")
        with self._lock:
            self.calls["release"] += 1
            reservation = self.reservations.get(order_id)
            if reservation is None:
                return None
            if reservation.state == ReservationState.COMMITTED:
                raise ReservationClosed(order_id, reservation.state, "release")
            if reservation.state == ReservationState.RESERVED:
                self._give_back(reservation)
                reservation = replace(reservation, state=ReservationState.RELEASED)
                self.reservations[order_id] = reservation
        self.faults.after("release")
        return reservation

    def get_reservation(self, *, order_id: UUID) -> Reservation | None:
        with self._lock:
            return self.reservations.get(order_id)

    def reservation_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        with self._lock:
            reservation = self.reservations.get(order_id)
        if reservation is None:
            return ()
        at = datetime.now(UTC)
        return (HistoryEntry(at=at, app="inventory", what="Stock reserved", outcome="delivered"),)

    def create_product(
        self, *, sku: str, name: str, price: Money, stock: int, low_stock_threshold: int = 5
    ) -> Product:
        with self._lock:
            if sku in self.products:
                raise ProductAlreadyExists(sku)
            self.products[sku] = Product(sku, name, price, stock, True)
            self.on_hand[sku] = stock
            return self.products[sku]

    def restock(self, *, sku: str, quantity: int) -> Product:
        with self._lock:
            if sku not in self.products:
                raise UnknownProducts([sku])
            product = self.products[sku]
            self.products[sku] = replace(product, available=product.available + quantity)
            self.on_hand[sku] += quantity
            return self.products[sku]

    def _give_back(self, reservation: Reservation) -> None:
        for line in reservation.lines:
            product = self.products[line.sku]
            self.products[line.sku] = replace(product, available=product.available + line.quantity)


class FakePayments:
    """The simulated provider of API.md § Payments, one payment per order."""

    DECLINES = {
        "pm_card_chargeDeclined": "card_declined",
        "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    }
    METHODS = frozenset({"pm_card_visa", "pm_card_mastercard", *DECLINES})
    HOLDING = frozenset({PaymentStatus.AUTHORIZED})

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.payments: dict[UUID, Payment] = {}
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
        self.faults.after("authorize")
        return payment

    def capture(self, *, order_id: UUID) -> Payment:
        self.faults.before("capture")
        with self._lock:
            self.calls["capture"] += 1
            payment = self._existing(order_id)
            if payment.status == PaymentStatus.CAPTURED:
                return payment
            if payment.status != PaymentStatus.AUTHORIZED:
                raise InvalidPaymentState(order_id, payment.status, "capture")
            self._provider("capture", order_id)
            payment = replace(
                payment, status=PaymentStatus.CAPTURED, captured_minor=payment.amount.amount_minor
            )
            self.payments[order_id] = payment
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
            return payment

    def get(self, *, order_id: UUID) -> Payment | None:
        with self._lock:
            return self.payments.get(order_id)

    def get_many(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Payment]:
        with self._lock:
            return {i: self.payments[i] for i in order_ids if i in self.payments}

    def payment_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        with self._lock:
            payment = self.payments.get(order_id)
        if payment is None:
            return ()
        at = datetime.now(UTC)
        return (HistoryEntry(at=at, app="payments", what="Payment", outcome=payment.status),)

    def order_ids_with_status(self, *, statuses: Sequence[PaymentStatus], limit: int) -> list[UUID]:
        with self._lock:
            return [i for i, p in self.payments.items() if p.status in statuses][:limit]

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


# The instances the bindings resolve to; tests/orders/conftest.py renews them per test.
INVENTORY = FakeInventory()
PAYMENTS = FakePayments()
