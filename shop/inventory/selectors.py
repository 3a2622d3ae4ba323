"""Read-only queries over inventory's tables, and the catalog cache in front of them.

Each SKU (and the catalog as a whole) has a version token in the cache, replaced after
every committed change (``forget_products``). An entry is stored together with the
token that was current *before* its rows were read, and a reader fetches the token
and the entry in one round trip (``MGET``): an entry counts only while its token is
still the current one. A slow reader that stores what it read before a change thus
stores it under an old token, which nobody accepts any more; deleting entries instead
would let exactly that slow reader put the old figure back.

Tokens are random integers, which the cache keeps as their digits, so reading one needs
no unpickling (a token an earlier release wrote as text still counts: tokens are only
compared). Reads go through ``cache_store``: one round trip on a connection the thread
holds.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db import connections
from django.db.models import QuerySet, Sum

from contracts.common import HistoryEntry, Money
from contracts.inventory import Product as CatalogProduct
from shop.inventory import cache_store
from shop.inventory.models import SKU_PATTERN, Product, Reservation, ReservationLine, Stock
from shop.platform.events.history import published_about_order

ENTRY_TIMEOUT = 300
"""Seconds an entry lives; bounds staleness if an invalidation was lost to an outage."""
VERSION_TIMEOUT = 86_400
_PREFIX = "inventory:v2"
CATALOG = "*catalog"
"""The version key's name for the catalog as a whole (every list page)."""
_ABSENT = "absent"  # cached answer for an unknown or inactive SKU
_SKU = re.compile(SKU_PATTERN)
DB = "inventory"
_FOR_SALE = f"""
    SELECT p.sku, p.name, p.price_minor, p.currency, s.on_hand, s.reserved
    FROM {Product._meta.db_table} p JOIN {Stock._meta.db_table} s ON s.sku = p.sku
    WHERE p.active AND p.sku IN ({{skus}})
"""


def is_sku(value: str) -> bool:
    """Whether ``value`` can be a SKU at all (anything else is never looked up)."""
    return _SKU.match(value) is not None


def _lookable(skus: Iterable[str]) -> list[str]:
    """``skus`` without repeats and without what cannot be a SKU, in order."""
    return sorted({sku for sku in skus if is_sku(sku)})


def as_catalog_product(product: Product) -> CatalogProduct:
    """The catalog view of a product row (its ``stock`` joined)."""
    return CatalogProduct(
        sku=product.sku,
        name=product.name,
        price=Money(product.price_minor, product.currency),
        available=product.stock.available,
        active=product.active,
    )


def product_list() -> QuerySet[Product]:
    """Active products with their stock, for listing."""
    return Product.objects.filter(active=True).select_related("stock")


def product_with_stock(*, sku: str) -> Product:
    """The product ``sku`` with its stock, read from the database; raises ``DoesNotExist``."""
    return Product.objects.select_related("stock").get(sku=sku)


def active_products(*, skus: Iterable[str]) -> dict[str, CatalogProduct]:
    """The active products among ``skus`` by SKU, from the cache where it has them."""
    # A string that cannot be a SKU never reaches the cache or the database.
    wanted = _lookable(skus)
    if not wanted:
        return {}
    entries = current_entries({_entry_key(sku): version_key(sku) for sku in wanted})
    found: dict[str, Any] = {}
    missing = []
    for sku in wanted:
        entry = entries.get(_entry_key(sku))
        if isinstance(entry, CachedEntry) and entry.current:
            found[sku] = entry.value
        else:
            missing.append(sku)
    if missing:
        rows = {p.sku: as_catalog_product(p) for p in product_list().filter(sku__in=missing)}
        fills = {
            _entry_key(sku): (entry.token, rows.get(sku, _ABSENT))
            for sku in missing
            if (entry := entries.get(_entry_key(sku))) is not None and entry.token
        }
        if fills:
            cache.set_many(fills, ENTRY_TIMEOUT)
        found.update(rows)
    return {sku: entry for sku, entry in found.items() if entry != _ABSENT}


def products_for_sale(*, skus: Iterable[str]) -> dict[str, CatalogProduct]:
    """The active products among ``skus`` by SKU, as the database has them now.

    For other apps (the prices of an order being placed): one query, and the catalog
    cache is neither read nor filled. Every reservation moves the figures it caches, so
    an order's read would nearly always miss, then fill an entry nobody reads.
    """
    wanted = _lookable(skus)
    if not wanted:
        return {}
    # Plain SQL and values, not the ORM and model instances: this runs for every order
    # placed (decision 0045).
    with connections[DB].cursor() as cursor:
        cursor.execute(_FOR_SALE.format(skus=", ".join(["%s"] * len(wanted))), wanted)
        rows = cursor.fetchall()
    return {
        sku: CatalogProduct(
            sku=sku,
            name=name,
            price=Money(price_minor, currency),
            available=on_hand - reserved,
            active=True,
        )
        for sku, name, price_minor, currency, on_hand, reserved in rows
    }


def active_product(*, sku: str) -> CatalogProduct | None:
    """The active product ``sku``, from the cache where it has it."""
    return active_products(skus=[sku]).get(sku)


def cached_catalog_page(*, page: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A rendered catalog page (keyed by ``page``, e.g. its URL), built on a miss."""
    key = f"{_PREFIX}:page:{hashlib.sha256(page.encode()).hexdigest()}"
    entry = current_entries({key: version_key(CATALOG)})[key]
    if entry.current:
        return entry.value
    body = build()
    if entry.token:
        cache.set(key, (entry.token, body), ENTRY_TIMEOUT)
    return body


@dataclass(frozen=True, slots=True)
class CachedEntry:
    """A cache entry as read: the version token current now (``None`` when the cache
    does not answer), and the stored value if it was stored under that very token."""

    token: int | str | None
    value: Any = None
    current: bool = False


def current_entries(versions_of: dict[str, str]) -> dict[str, CachedEntry]:
    """Each entry key of ``versions_of`` (entry key -> its version key) as read now,
    tokens and entries together in one round trip; missing tokens are created.

    Entries are stored as ``(token, value)``; store a fill under the ``token`` read
    here, before reading the rows it is made of.
    """
    version_keys = sorted(set(versions_of.values()))
    found = cache_store.get_many([*version_keys, *versions_of])
    for key in version_keys:
        if key not in found:
            found[key] = _create_version(key)
    entries = {}
    for entry_key, key in versions_of.items():
        token = found.get(key)
        stored = found.get(entry_key)
        if token and isinstance(stored, tuple) and len(stored) == 2 and stored[0] == token:
            entries[entry_key] = CachedEntry(token, stored[1], current=True)
        else:
            entries[entry_key] = CachedEntry(token or None)
    return entries


def current_answer(entry_key: str, version_key: str) -> CachedEntry:
    """The bytes ``store_answer`` stored under ``entry_key``, current while the token of
    ``version_key`` is the one they were stored under (read in the same round trip as
    the bytes); a missing token is created.

    For answers replayed as they are: the entry is kept as bytes, not pickled, so a hit
    costs no unpickling.
    """
    found = cache_store.get_many([version_key, entry_key], raw=(entry_key,))
    token = found.get(version_key)
    if token is None:
        return CachedEntry(_create_version(version_key))
    stored = found.get(entry_key)
    if stored is not None:
        stamp, _, value = stored.partition(b"\n")
        if stamp == _stamp(token):
            return CachedEntry(token, value, current=True)
    return CachedEntry(token)


def store_answer(entry_key: str, token: int | str, value: bytes) -> None:
    """Keep ``value`` under ``entry_key`` for ``current_answer``, stamped with ``token``
    (read before what ``value`` shows was)."""
    cache_store.set_bytes(entry_key, _stamp(token) + b"\n" + value, ENTRY_TIMEOUT)


def _stamp(token: int | str) -> bytes:
    return str(token).encode()


def forget_products(skus: Iterable[str]) -> None:
    """Make readers miss every cached entry of ``skus`` and every catalog page.

    Call it after the change has committed (``transaction.on_commit``).
    """
    keys = [version_key(sku) for sku in set(skus)] + [version_key(CATALOG)]
    cache.set_many({key: _new_token() for key in keys}, VERSION_TIMEOUT)


def reservation_with_lines(*, order_id: UUID) -> tuple[Reservation, list[ReservationLine]] | None:
    """The order's reservation and its lines, in one query; ``None`` if there is none."""
    lines = list(
        ReservationLine.objects.filter(reservation__order_id=order_id).select_related("reservation")
    )
    if not lines:
        return None
    return lines[0].reservation, lines


def reservations_with_lines(
    *, order_ids: Iterable[UUID]
) -> list[tuple[Reservation, list[ReservationLine]]]:
    """The reservations of these orders, each with its lines, in one query."""
    found: dict[int, tuple[Reservation, list[ReservationLine]]] = {}
    lines = ReservationLine.objects.filter(reservation__order_id__in=list(order_ids))
    for line in lines.select_related("reservation").order_by("reservation_id", "pk"):
        found.setdefault(line.reservation_id, (line.reservation, []))[1].append(line)
    return list(found.values())


def reservation_history(*, order_id: UUID) -> list[HistoryEntry]:
    """What inventory published about the order (reserved, held, committed, released)."""
    return published_about_order("inventory", order_id=order_id)


def version_key(sku: str) -> str:
    """The cache key of ``sku``'s version token (``CATALOG`` for the catalog's)."""
    return f"{_PREFIX}:version:{sku}"


def _entry_key(sku: str) -> str:
    return f"{_PREFIX}:product:{sku}"


def _new_token() -> int:
    # Never 0: a token must be true (``if entry.token``).
    return secrets.randbits(63) or 1


def _create_version(key: str) -> int | str | None:
    """A fresh token for ``key``, or the one another process created meanwhile; ``None``
    when the cache is not answering (then nothing is stored: read the database)."""
    token = _new_token()
    # add() keeps a token another process created meanwhile.
    return token if cache.add(key, token, VERSION_TIMEOUT) else cache.get(key)


def reserved_units_by_sku() -> tuple[dict[str, int], dict[str, int]]:
    """(each stock's reserved count, the units its open reservations hold), by SKU."""
    # A stock's product_id is its SKU (the relation's to_field).
    counted = {str(sku): reserved for sku, reserved in Stock.objects.values_list("pk", "reserved")}
    held = {
        sku: int(units)
        for sku, units in ReservationLine.objects.filter(
            reservation__state=Reservation.State.RESERVED
        )
        .values("sku")
        .annotate(units=Sum("quantity"))
        .values_list("sku", "units")
    }
    return counted, held
