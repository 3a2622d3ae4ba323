"""Demo customers with their API tokens, and a few orders placed through placement."""

from __future__ import annotations

from contracts.inventory import InventoryService
from shop.orders import placement, selectors
from shop.platform import accounts
from shop.platform.bindings import bound
from shop.platform.demo import Report, demo_seeder

DEMO_CUSTOMERS = (("alice", False), ("bob", False), ("staff", True))

# (customer, lines, payment method): one confirmed and one declined order. They use
# the SKU API.md's example names; a catalog without it gets the customers only.
DEMO_ORDERS = (
    ("alice", (("TEE-BLACK-M", 2),), "pm_card_visa"),
    ("bob", (("TEE-BLACK-M", 1),), "pm_card_chargeDeclined"),
)


@demo_seeder(order=20)
def seed_customers_and_orders(report: Report) -> None:
    customer_ids = {}
    for username, staff in DEMO_CUSTOMERS:
        customer_id, token, _ = accounts.ensure_customer(username=username, staff=staff)
        customer_ids[username] = customer_id
        report(f"  {username}{' (staff)' if staff else ''}: Authorization: Token {token}")
    for username, lines, payment_method in DEMO_ORDERS:
        customer_id = customer_ids[username]
        if selectors.orders_of_customer(customer_id=customer_id).exists():
            continue  # seeded before
        skus = [sku for sku, _ in lines]
        if set(bound(InventoryService).get_products(skus=skus)) != set(skus):
            report(f"  skipping {username}'s demo order: {', '.join(skus)} not in the catalog")
            continue
        order = placement.place_order(
            customer_id=customer_id,
            lines=[placement.LineRequest(sku=sku, quantity=q) for sku, q in lines],
            payment_method=payment_method,
        ).order
        report(f"  {username}'s order {order.id}: {order.status}")
