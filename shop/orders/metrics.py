"""What the orders app exports to ``/metrics`` beyond the outcome counter."""

from __future__ import annotations

from django.utils import timezone

from shop.orders import selectors
from shop.platform.telemetry.metrics import gauge_at_scrape


@gauge_at_scrape(
    "shop_orders_pending_oldest_seconds",
    "Age of the oldest order still pending, in seconds (0 when none is).",
)
def oldest_pending_order_age() -> float:
    created_at = selectors.oldest_pending_created_at()
    return 0.0 if created_at is None else (timezone.now() - created_at).total_seconds()
