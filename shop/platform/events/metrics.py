"""Counters of event delivery, read by ``/metrics``.

Outbox lag is not counted here: it is measured from the outbox tables themselves.
"""

from prometheus_client import Counter, Gauge

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
relayed = Counter(
    "shop_events_relayed_total",
    "Outbox messages the broker acknowledged (EVENTS_BROKER set).",
    ["producer"],
)
relay_failures = Counter(
    "shop_events_relay_failures_total",
    "Relay batches the broker did not acknowledge; their messages wait in the outbox.",
    ["producer"],
)
consumed = Counter(
    "shop_events_consumed_total",
    "Events received from the broker and applied by this process's subscribers.",
    ["group", "name"],
)
consumer_parked = Counter(
    "shop_events_consumer_parked_total",
    "Events received from the broker that were parked after their last attempt.",
    ["group", "name"],
)
consumer_lag = Gauge(
    "shop_events_consumer_lag_messages",
    "Messages on the topic not yet read by the consumer group (per worker's partitions).",
    ["group", "topic"],
)
