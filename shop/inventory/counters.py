"""The inventory app's Prometheus counters."""

from prometheus_client import Counter

STOCKOUTS = Counter("shop_stockouts", "Reservations refused for insufficient stock.")


def count_stockout() -> None:
    """Count a reservation refused because stock ran out (no SKU label: unbounded)."""
    STOCKOUTS.inc()
