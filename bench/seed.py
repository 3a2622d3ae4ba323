"""The bench's catalog and customers, created when missing (run with the shop's settings).

Prints one JSON object: the customers' tokens, the SKUs, the hot SKU and a staff token.
Stock is large enough that no run sells out: the bench measures placement, not refusal.
"""

from __future__ import annotations

import contextlib
import json
import sys

import django

SKUS = [f"BENCH-{i:02d}" for i in range(50)]
HOT_SKU = "BENCH-HOT"
STOCK = 10**12


def main(customers: int) -> None:
    django.setup()
    from contracts.inventory import ProductAlreadyExists
    from shop.inventory import services
    from shop.platform import accounts

    for sku in [*SKUS, HOT_SKU]:
        with contextlib.suppress(ProductAlreadyExists):
            services.create_product(
                sku=sku, name=f"Bench {sku}", price_minor=999, currency="EUR", stock=STOCK
            )
    tokens = [accounts.ensure_customer(username=f"bench-customer-{i}")[1] for i in range(customers)]
    staff = accounts.ensure_customer(username="bench-staff", staff=True)[1]
    json.dump({"tokens": tokens, "skus": SKUS, "hot_sku": HOT_SKU, "staff": staff}, sys.stdout)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
