"""Use cases that change inventory state; transaction boundaries live here.

Stock is only ever changed by conditional UPDATEs evaluated by the database
(``reserved = reserved + q WHERE on_hand - reserved >= q``), one per SKU in SKU
order, so concurrent orders neither oversell nor deadlock. Every change refreshes
the catalog cache after it commits.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone

from contracts.currencies import is_currency
from contracts.inventory import (
    InsufficientStock,
    ProductAlreadyExists,
    ReservationClosed,
    ReservationNotFound,
    ReservationState,
    StockCommitted,
    StockLine,
    StockLow,
    StockReleased,
    StockReserved,
    UnknownProducts,
)
from shop.inventory import selectors
from shop.inventory.counters import count_stockout
from shop.inventory.models import (
    SKU_HELP,
    SKU_PATTERN,
    Product,
    Reservation,
    ReservationLine,
    Stock,
)
from shop.platform.events import publish
from shop.platform.rows import column_list, from_row, insert, insert_all, select

DB = "inventory"
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)

_STOCK, _PRODUCT = Stock._meta.db_table, Product._meta.db_table
# One line's stock, taken by one conditional UPDATE that also refuses an inactive
# product and returns what the low-stock report needs: no read before or after it.
# (RETURNING may not name a joined table on SQLite, hence the subqueries.)
_TAKE_STOCK = f"""
    UPDATE {_STOCK} SET reserved = reserved + %s
    WHERE sku = %s AND on_hand >= reserved + %s
      AND EXISTS (SELECT 1 FROM {_PRODUCT} p WHERE p.sku = {_STOCK}.sku AND p.active)
    RETURNING on_hand, reserved,
      (SELECT p.low_stock_threshold FROM {_PRODUCT} p WHERE p.sku = {_STOCK}.sku)
"""
# The hold, and the reservation as the hold left it, in one statement.
_HOLD = f"""
    UPDATE {Reservation._meta.db_table} SET expires_at = NULL, updated_at = %s
    WHERE order_id = %s AND state = %s
    RETURNING {{columns}}
"""

ReservationWithLines = tuple[Reservation, list[ReservationLine]]


def create_product(
    *,
    sku: str,
    name: str,
    price_minor: int,
    currency: str,
    stock: int,
    low_stock_threshold: int = 5,
    active: bool = True,
) -> Product:
    """Add a product with ``stock`` units on hand; raises ``ProductAlreadyExists``."""
    if price_minor < 0 or stock < 0 or low_stock_threshold < 0:
        raise ValueError("price, stock and threshold must not be negative")
    if not is_currency(currency):
        raise ValueError(f"{currency!r} is not an ISO 4217 currency")
    if not re.match(SKU_PATTERN, sku):
        raise ValueError(f"{sku!r} is not a valid SKU: {SKU_HELP}")
    try:
        with transaction.atomic(using=DB):
            product = Product.objects.create(
                sku=sku,
                name=name,
                price_minor=price_minor,
                currency=currency,
                active=active,
                low_stock_threshold=low_stock_threshold,
            )
            product.stock = Stock.objects.create(product=product, on_hand=stock)
            _forget_on_commit([sku])
    except IntegrityError:
        if Product.objects.filter(sku=sku).exists():
            raise ProductAlreadyExists(sku) from None
        raise
    return product


def update_product(
    *,
    sku: str,
    name: str,
    price_minor: int,
    currency: str,
    active: bool,
    low_stock_threshold: int,
) -> None:
    """Change a product's catalog details (not its stock); raises ``UnknownProducts``."""
    if price_minor < 0 or low_stock_threshold < 0:
        raise ValueError("price and threshold must not be negative")
    if not is_currency(currency):
        raise ValueError(f"{currency!r} is not an ISO 4217 currency")
    with transaction.atomic(using=DB):
        updated = Product.objects.filter(sku=sku).update(
            name=name,
            price_minor=price_minor,
            currency=currency,
            active=active,
            low_stock_threshold=low_stock_threshold,
            updated_at=timezone.now(),
        )
        if not updated:
            raise UnknownProducts([sku])
        _forget_on_commit([sku])


def restock(*, sku: str, quantity: int) -> Product:
    """Add ``quantity`` (> 0) units on hand; raises ``UnknownProducts``."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    with transaction.atomic(using=DB):
        if not Stock.objects.filter(product_id=sku).update(on_hand=F("on_hand") + quantity):
            raise UnknownProducts([sku])
        _forget_on_commit([sku])
        return selectors.product_with_stock(sku=sku)


def reserve_stock(
    *, order_id: UUID, lines: Sequence[StockLine], ttl: timedelta = DEFAULT_RESERVATION_TTL
) -> ReservationWithLines:
    """Reserve every line for the order, or none; idempotent per order id.

    Raises ``UnknownProducts`` (unknown or inactive SKUs), ``InsufficientStock`` naming
    every short SKU, or ``ReservationClosed`` when the order's reservation was already
    released or expired. A repeated call returns the existing reservation unchanged.
    """
    _check_lines(lines)
    if ttl <= timedelta(0):
        raise ValueError("ttl must be positive")
    ordered = sorted(lines, key=lambda line: line.sku)
    try:
        with transaction.atomic(using=DB):
            # The unique order_id makes a concurrent or repeated call fail here,
            # before it touches any stock.
            expires_at = timezone.now() + ttl
            reservation = Reservation(order_id=order_id, expires_at=expires_at)
            insert(reservation, using=DB)
            saved = [
                ReservationLine(reservation=reservation, sku=line.sku, quantity=line.quantity)
                for line in ordered
            ]
            insert_all(saved, using=DB)
            publish(StockReserved(order_id=order_id, lines=tuple(ordered), expires_at=expires_at))
            # The stock last: each UPDATE locks its row until the COMMIT, and a hot
            # product's row is what concurrent orders queue on. Whatever was written
            # before is rolled back with them if a line is short.
            taken, short = {}, []
            with connections[DB].cursor() as cursor:
                for line in ordered:
                    cursor.execute(_TAKE_STOCK, [line.quantity, line.sku, line.quantity])
                    row = cursor.fetchone()
                    if row is None:
                        short.append(line.sku)
                    else:
                        taken[line.sku] = row
            if short:
                _raise_for_short_lines(short)
            _report_low_stock(ordered, taken)
            _forget_on_commit(line.sku for line in ordered)
    except IntegrityError:
        existing = selectors.reservation_with_lines(order_id=order_id)
        if existing is None:
            raise
        return _repeated_reserve(existing)
    return reservation, saved


def hold_reservation(*, order_id: UUID) -> ReservationWithLines:
    """Keep the reservation until commit or release: it no longer expires. Idempotent.

    Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was released or
    expired first (the conditional UPDATE waits for a concurrent expiry sweep's lock).
    """
    connection = connections[DB]
    params = [
        Reservation._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection),
        Reservation._meta.get_field("order_id").get_db_prep_value(order_id, connection),
        ReservationState.RESERVED.value,
    ]
    # One statement, so no transaction: what it returns is the state the hold wrote.
    with connection.cursor() as cursor:
        cursor.execute(_HOLD.format(columns=column_list(Reservation, connection)), params)
        row = cursor.fetchone()
    if row is not None:
        held = from_row(Reservation, row, using=DB)
        # A reservation's lines never change once it is made.
        return held, select(ReservationLine, {"reservation_id": held.pk}, using=DB)
    found = selectors.reservation_with_lines(order_id=order_id)
    if found is None:
        raise ReservationNotFound(order_id)
    reservation, _ = found
    if reservation.state in (ReservationState.RELEASED, ReservationState.EXPIRED):
        raise ReservationClosed(order_id, ReservationState(reservation.state), "hold")
    return found


def commit_reservation(*, order_id: UUID) -> ReservationWithLines:
    """Turn the reservation into a sale: its units leave on-hand. Idempotent.

    Raises ``ReservationNotFound``, or ``ReservationClosed`` if it was released or expired.
    """
    with transaction.atomic(using=DB):
        found = _close(order_id, ReservationState.COMMITTED)
        if found is None:
            raise ReservationNotFound(order_id)
        reservation, lines, changed = found
        if not changed:
            if reservation.state == ReservationState.COMMITTED:
                return reservation, lines
            raise ReservationClosed(order_id, ReservationState(reservation.state), "commit")
        for line in lines:
            Stock.objects.filter(product_id=line.sku).update(
                on_hand=F("on_hand") - line.quantity, reserved=F("reserved") - line.quantity
            )
        publish(StockCommitted(order_id=order_id, lines=_stock_lines(lines)))
        _forget_on_commit(line.sku for line in lines)
    return reservation, lines


def release_reservation(*, order_id: UUID) -> ReservationWithLines | None:
    """Give the reserved units back. Idempotent; ``None`` if the order reserved nothing.

    An expired reservation is already released and is returned as it is; a committed
    one raises ``ReservationClosed``.
    """
    with transaction.atomic(using=DB):
        found = _close(order_id, ReservationState.RELEASED)
        if found is None:
            return None
        reservation, lines, changed = found
        if not changed:
            if reservation.state == ReservationState.COMMITTED:
                raise ReservationClosed(order_id, ReservationState.COMMITTED, "release")
            return reservation, lines
        _give_back(Counter({line.sku: line.quantity for line in lines}))
        publish(StockReleased(order_id=order_id, lines=_stock_lines(lines), reason="released"))
    return reservation, lines


def release_expired_reservations(*, now: datetime | None = None, batch_size: int = 100) -> int:
    """Release one batch of reservations past their expiry; returns how many.

    Safe in several workers at once: each locks its batch with SKIP LOCKED, so
    workers take disjoint batches and never wait on each other.
    """
    now = now or timezone.now()
    with transaction.atomic(using=DB):
        expired = list(
            Reservation.objects.select_for_update(skip_locked=True)
            .filter(state=ReservationState.RESERVED, expires_at__lte=now)
            .order_by("expires_at")
            .values_list("pk", "order_id")[:batch_size]
        )
        if not expired:
            return 0
        Reservation.objects.filter(pk__in=[pk for pk, _ in expired]).update(
            state=ReservationState.EXPIRED, updated_at=now
        )
        lines_by_reservation: dict[int, list[ReservationLine]] = {}
        for line in ReservationLine.objects.filter(reservation_id__in=[pk for pk, _ in expired]):
            lines_by_reservation.setdefault(line.reservation_id, []).append(line)
        quantities: Counter[str] = Counter()
        for lines in lines_by_reservation.values():
            for line in lines:
                quantities[line.sku] += line.quantity
        _give_back(quantities)
        for pk, order_id in expired:
            publish(
                StockReleased(
                    order_id=order_id,
                    lines=_stock_lines(lines_by_reservation.get(pk, [])),
                    reason="expired",
                )
            )
    return len(expired)


def _check_lines(lines: Sequence[StockLine]) -> None:
    if not lines:
        raise ValueError("a reservation needs at least one line")
    if len({line.sku for line in lines}) != len(lines):
        raise ValueError("each SKU may appear in one line only")
    if any(line.quantity <= 0 for line in lines):
        raise ValueError("quantities must be positive")


def _raise_for_short_lines(short: list[str]) -> None:
    """Raise the error explaining why these lines took no stock (inside the transaction)."""
    known = set(Product.objects.filter(sku__in=short, active=True).values_list("sku", flat=True))
    unknown = [sku for sku in short if sku not in known]
    if unknown:
        raise UnknownProducts(unknown)
    count_stockout()
    raise InsufficientStock(short)


def _report_low_stock(lines: Sequence[StockLine], taken: dict[str, tuple[int, int, int]]) -> None:
    """Publish ``StockLow`` for each line whose taking crossed its product's threshold."""
    for line in lines:
        on_hand, reserved, threshold = taken[line.sku]
        available = on_hand - reserved
        # Report the fall below the threshold once, not every sale beneath it.
        if available < threshold <= available + line.quantity:
            publish(StockLow(sku=line.sku, available=available, threshold=threshold))


def _repeated_reserve(existing: ReservationWithLines) -> ReservationWithLines:
    reservation, _ = existing
    if reservation.state in (ReservationState.RELEASED, ReservationState.EXPIRED):
        raise ReservationClosed(
            reservation.order_id, ReservationState(reservation.state), "reserve"
        )
    return existing


def _close(
    order_id: UUID, state: ReservationState
) -> tuple[Reservation, list[ReservationLine], bool] | None:
    """Move an open reservation to ``state``; the flag says whether this call did it.

    The conditional UPDATE takes the row lock, so of two concurrent calls exactly one
    moves the reservation and gives or takes its stock.
    """
    changed = bool(
        Reservation.objects.filter(order_id=order_id, state=ReservationState.RESERVED).update(
            state=state, updated_at=timezone.now()
        )
    )
    found = selectors.reservation_with_lines(order_id=order_id)
    if found is None:
        return None
    return *found, changed


def _give_back(quantities: Counter[str]) -> None:
    for sku in sorted(quantities):
        Stock.objects.filter(product_id=sku).update(reserved=F("reserved") - quantities[sku])
    _forget_on_commit(quantities)


def _stock_lines(lines: Iterable[ReservationLine]) -> tuple[StockLine, ...]:
    return tuple(StockLine(sku=line.sku, quantity=line.quantity) for line in lines)


def _forget_on_commit(skus: Iterable[str]) -> None:
    skus = list(skus)
    # robust: a cache failure after commit must not turn a done change into an error.
    transaction.on_commit(lambda: selectors.forget_products(skus), using=DB, robust=True)
