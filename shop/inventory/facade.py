"""The implementation of contracts.inventory.InventoryService."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import final
from uuid import UUID

from contracts.common import HistoryEntry, Money
from contracts.inventory import InventoryService, Product, Reservation, ReservationState, StockLine
from shop.inventory import selectors, services
from shop.inventory.models import Reservation as ReservationRow
from shop.inventory.models import ReservationLine


# Declares its contract: the type checker holds every method to the Protocol's
# signature, and being final, to the Protocol's every method (make lint).
@final
class InventoryFacade(InventoryService):
    """Inventory as other apps see it: contract DTOs in and out, contract errors raised."""

    def get_products(self, *, skus: Sequence[str]) -> dict[str, Product]:
        return selectors.products_for_sale(skus=skus)

    def reserve(
        self, *, order_id: UUID, lines: Sequence[StockLine], ttl: timedelta | None = None
    ) -> Reservation:
        reservation = services.reserve_stock(
            order_id=order_id,
            lines=lines,
            ttl=services.DEFAULT_RESERVATION_TTL if ttl is None else ttl,
        )
        return _as_reservation(*reservation)

    def hold(self, *, order_id: UUID) -> Reservation:
        return _as_reservation(*services.hold_reservation(order_id=order_id))

    def commit(self, *, order_id: UUID) -> Reservation:
        return _as_reservation(*services.commit_reservation(order_id=order_id))

    def release(self, *, order_id: UUID) -> Reservation | None:
        released = services.release_reservation(order_id=order_id)
        return None if released is None else _as_reservation(*released)

    def get_reservation(self, *, order_id: UUID) -> Reservation | None:
        found = selectors.reservation_with_lines(order_id=order_id)
        return None if found is None else _as_reservation(*found)

    def get_reservations(self, *, order_ids: Sequence[UUID]) -> dict[UUID, Reservation]:
        return {
            reservation.order_id: _as_reservation(reservation, lines)
            for reservation, lines in selectors.reservations_with_lines(order_ids=order_ids)
        }

    def reservation_history(self, *, order_id: UUID) -> tuple[HistoryEntry, ...]:
        return tuple(selectors.reservation_history(order_id=order_id))

    def create_product(
        self, *, sku: str, name: str, price: Money, stock: int, low_stock_threshold: int = 5
    ) -> Product:
        product = services.create_product(
            sku=sku,
            name=name,
            price_minor=price.amount_minor,
            currency=price.currency,
            stock=stock,
            low_stock_threshold=low_stock_threshold,
        )
        return selectors.as_catalog_product(product)

    def restock(self, *, sku: str, quantity: int) -> Product:
        return selectors.as_catalog_product(services.restock(sku=sku, quantity=quantity))


def _as_reservation(reservation: ReservationRow, lines: Sequence[ReservationLine]) -> Reservation:
    return Reservation(
        order_id=reservation.order_id,
        state=ReservationState(reservation.state),
        lines=tuple(StockLine(sku=line.sku, quantity=line.quantity) for line in lines),
        expires_at=reservation.expires_at,
    )
