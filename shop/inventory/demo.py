"""The demo catalog loaded by ``seed_demo``."""

from __future__ import annotations

from contracts.common import Money
from contracts.inventory import ProductAlreadyExists
from shop.inventory.facade import InventoryFacade
from shop.platform.demo import Report, demo_seeder

DEMO_PRODUCTS: tuple[tuple[str, str, int, int], ...] = (
    # sku, name, price in euro cents, stock
    ("TEE-BLACK-M", "T-shirt, black, M", 1990, 100),
    ("TEE-BLACK-L", "T-shirt, black, L", 1990, 80),
    ("TEE-WHITE-M", "T-shirt, white, M", 1990, 60),
    ("HOODIE-GREY-L", "Hoodie, grey, L", 4990, 25),
    ("CAP-NAVY", "Cap, navy", 1490, 40),
    ("MUG-LOGO", "Mug with logo", 990, 150),
    ("SOCKS-3PACK", "Socks, pack of three", 1290, 3),
    ("TOTE-CANVAS", "Canvas tote bag", 1590, 0),
)


@demo_seeder(order=10)
def seed_catalog(report: Report) -> None:
    """Create each demo product that does not exist yet; existing ones are left alone."""
    inventory = InventoryFacade()
    for sku, name, price, stock in DEMO_PRODUCTS:
        try:
            inventory.create_product(sku=sku, name=name, price=Money(price, "EUR"), stock=stock)
        except ProductAlreadyExists:
            report(f"  product {sku}: already there")
        else:
            report(f"  product {sku}: created with {stock} in stock")
