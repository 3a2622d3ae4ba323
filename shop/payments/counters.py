"""The payments app's Prometheus counters."""

from prometheus_client import Counter

PAYMENTS = Counter("shop_payments", "Payment operations by outcome.", ["outcome"])


def count_payment(outcome: str) -> None:
    """Count a provider answer's meaning (``authorized``, ``declined``, ``no_answer`` …)."""
    PAYMENTS.labels(outcome).inc()
