"""Counters of event delivery, read by ``/metrics``.

Outbox lag is not counted here: it is measured from the outbox tables themselves.
"""

from prometheus_client import Counter

delivered = Counter(
    "shop_events_delivered_total",
    "Events delivered to every subscriber.",
    ["producer", "name"],
)
retried = Counter(
    "shop_events_retried_total",
    "Failed deliveries scheduled for another attempt.",
    ["producer", "name"],
)
parked = Counter(
    "shop_events_parked_total",
    "Events parked after their last allowed attempt; they wait for a re-drive.",
    ["producer", "name"],
)
stream_append_failures = Counter(
    "shop_events_stream_append_failures_total",
    "Appends of delivered events to the Redis stream that failed and will be retried.",
    ["producer"],
)
