"""Settings of a worker process serving the orders app alone (run with SHOP_APPS=orders):
the project's, plus the test recorder subscribed in orders (see scenario.py)."""

from shop.settings import *  # noqa: F403
from shop.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.platform.events.orders_only_app"]

# Inventory and payments are served elsewhere; this worker never calls them in the tests,
# so their contracts are bound to the orders tests' fakes (as in the extraction rehearsal).
SHOP_BINDINGS = {
    **SHOP_BINDINGS,  # noqa: F405
    "contracts.inventory.InventoryService": "tests.orders.fakes.FakeInventory",
    "contracts.payments.PaymentsService": "tests.orders.fakes.FakePayments",
}
