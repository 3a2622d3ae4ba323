"""The orders app's Prometheus counters (the stuck-orders gauge is in metrics.py)."""

from prometheus_client import Counter

ORDERS = Counter("shop_orders", "Orders by the outcome they reached.", ["outcome"])


def count_order(outcome: str) -> None:
    """Count an order reaching ``outcome`` (a status such as ``confirmed``, ``rejected``)."""
    ORDERS.labels(outcome).inc()
