"""Read-only queries over inventory's tables, and the catalog cache in front of them.

Catalog entries are cached under versioned keys: each SKU (and the catalog as a
whole) has a version token, and an entry's key contains the token current when it
was read. A change replaces the tokens after it commits (``forget_products``), so
readers move to keys nobody has filled yet; a slow reader that stores what it read
before the change writes under the old token, where nobody looks any more. Deleting
entries instead would let exactly that slow reader put the old figure back.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from django.core.cache import cache
from django.db.models import QuerySet, Sum

from contracts.common import HistoryEntry, Money
from contracts.inventory import Product as CatalogProduct
from shop.inventory.models import SKU_PATTERN, Product, Reservation, ReservationLine, Stock
from shop.platform.events.history import published_about_order

ENTRY_TIMEOUT = 300
"""Seconds an entry lives; bounds staleness if an invalidation was lost to an outage."""
VERSION_TIMEOUT = 86_400
_PREFIX = "inventory:v1"
_CATALOG = "*catalog"
_ABSENT = "absent"  # cached answer for an unknown or inactive SKU
_SKU = re.compile(SKU_PATTERN)


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
    wanted = sorted({sku for sku in skus if _SKU.match(sku)})
    if not wanted:
        return {}
    versions = _versions([_version_key(sku) for sku in wanted])
    keys = {
        sku: f"{_PREFIX}:product:{sku}:{versions[_version_key(sku)]}"
        for sku in wanted
        if versions.get(_version_key(sku))
    }
    cached = cache.get_many(list(keys.values()))
    found: dict[str, Any] = {}
    missing = []
    for sku in wanted:
        if keys.get(sku) in cached:
            found[sku] = cached[keys[sku]]
        else:
            missing.append(sku)
    if missing:
        rows = {p.sku: as_catalog_product(p) for p in product_list().filter(sku__in=missing)}
        fills = {keys[sku]: rows.get(sku, _ABSENT) for sku in missing if sku in keys}
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
    wanted = sorted({sku for sku in skus if _SKU.match(sku)})
    if not wanted:
        return {}
    rows = (
        product_list()
        .filter(sku__in=wanted)
        .values_list("sku", "name", "price_minor", "currency", "stock__on_hand", "stock__reserved")
    )
    # Plain values, not model instances: this runs for every order placed.
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
    version = _versions([_version_key(_CATALOG)]).get(_version_key(_CATALOG))
    if version is None:
        return build()
    key = f"{_PREFIX}:page:{version}:{hashlib.sha256(page.encode()).hexdigest()}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, ENTRY_TIMEOUT)
    return body


def forget_products(skus: Iterable[str]) -> None:
    """Make readers miss every cached entry of ``skus`` and every catalog page.

    Call it after the change has committed (``transaction.on_commit``).
    """
    keys = [_version_key(sku) for sku in set(skus)] + [_version_key(_CATALOG)]
    cache.set_many({key: uuid.uuid4().hex for key in keys}, VERSION_TIMEOUT)


def reservation_with_lines(*, order_id: UUID) -> tuple[Reservation, list[ReservationLine]] | None:
    """The order's reservation and its lines, in one query; ``None`` if there is none."""
    lines = list(
        ReservationLine.objects.filter(reservation__order_id=order_id).select_related("reservation")
    )
    if not lines:
        return None
    return lines[0].reservation, lines


def reservation_history(*, order_id: UUID) -> list[HistoryEntry]:
    """What inventory published about the order (reserved, held, committed, released)."""
    return published_about_order("inventory", order_id=order_id)


def _version_key(sku: str) -> str:
    return f"{_PREFIX}:version:{sku}"


def _versions(keys: list[str]) -> dict[str, str]:
    """The current version token of each key, creating missing ones.

    A key absent from the answer means the cache is not answering: read the database.
    """
    versions = cache.get_many(keys)
    for key in keys:
        if key not in versions:
            token = uuid.uuid4().hex
            # add() keeps a token another process created meanwhile.
            versions[key] = token if cache.add(key, token, VERSION_TIMEOUT) else cache.get(key)
    return {key: version for key, version in versions.items() if version}


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
