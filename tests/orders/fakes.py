"""In-memory inventory and payments that keep their contracts, bound in orders' tests.

Both are thread-safe (one lock each) and count the calls made and the effects
produced, so tests can prove that nothing was reserved or charged twice. The bindings
name the instances below; tests/orders/conftest.py renews them per test.
"""

from tests.orders.fake_inventory import FakeInventory
from tests.orders.fake_payments import FakePayments
from tests.orders.faults import Crash, Faults

__all__ = ["INVENTORY", "PAYMENTS", "Crash", "FakeInventory", "FakePayments", "Faults"]

INVENTORY = FakeInventory()
PAYMENTS = FakePayments()
