"""An in-memory inventory that keeps its contract, bound in orders' tests.

Thread-safe (one lock); counts the calls made and the reservations taken, so tests can
prove that nothing was reserved twice.
"""

from __future__ import annotations

import threading
import uuid
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
from tests.orders.faults import Faults


class FakeInventory:
    DEFAULT_TTL = timedelta(minutes=15)

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.products: dict[str, Product] = {}
        self.on_hand: dict[str, int] = {}
        self.reservations: dict[UUID, Reservation] = {}
        self.published: dict[UUID, list[HistoryEntry]] = {}
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
                self._publish(reservation, "Stock released", "; reason: expired")

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
            self._publish(reservation, "Stock reserved")
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
            self._publish(committed, "Stock committed")
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
                self._publish(reservation, "Stock released", "; reason: released")
        self.faults.after("release")
        return reservation

    def get_reservation(self, *, order_id: UUID) -> Reservation | None:
        with self._lock:
            return self.reservations.get(order_id)

    def get_reservations(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Reservation]:
        with self._lock:
            return {i: self.reservations[i] for i in order_ids if i in self.reservations}

    def reservation_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        with self._lock:
            return tuple(self.published.get(order_id, ()))

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

    def _publish(self, reservation: Reservation, title: str, details: str = "") -> None:
        """Record the event inventory publishes, as its history tells it."""
        lines = ", ".join(
            f"{line.quantity} x {line.sku}"
            for line in sorted(reservation.lines, key=lambda line: line.sku)
        )
        self.published.setdefault(reservation.order_id, []).append(
            HistoryEntry(
                at=datetime.now(UTC),
                app="inventory",
                what=f"{title}: {lines}{details}",
                outcome="delivered",
                event_id=str(uuid.uuid4()),
            )
        )
