"""Discovered like every app's handlers.py, in the orders-only worker of the tests."""

from shop.platform.events import subscriber
from tests.platform.events.scenario import ParcelPacked, record_in_orders

subscriber(ParcelPacked, app="orders")(record_in_orders)
