"""What the audit checks of inventory: each stock's reserved count is what its open
reservations hold, no more (stock lost for ever) and no less (oversold)."""

from __future__ import annotations

from collections.abc import Iterator

from shop.inventory import selectors
from shop.platform.audit import Progress, audit_check


@audit_check("inventory.reserved_stock")
def reserved_counts_match_open_reservations(progress: Progress) -> Iterator[tuple[str, str]]:
    counted, held = selectors.reserved_units_by_sku()
    skus = sorted(set(counted) | set(held))
    for sku in skus:
        reserved, holding = counted.get(sku, 0), held.get(sku, 0)
        if reserved != holding:
            yield f"stock {sku}", f"{reserved} reserved but open reservations hold {holding}"
    progress(len(skus), len(skus))
