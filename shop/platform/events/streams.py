"""The external stream: each delivered event appended to a Redis Stream per producer.

Outside consumers (or an app extracted into its own service) follow
``shop.events.<producer>`` with a consumer group. Appends are at least once: an
append that fails is flagged on the outbox row and retried by the worker, and an
append followed by a crash before the outbox commit is repeated, so consumers
de-duplicate by ``event_id``.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings

from shop.platform.events import metrics
from shop.platform.events.models import OutboxMessage

logger = logging.getLogger(__name__)

STREAM_PREFIX = "shop.events."


def enabled() -> bool:
    """Whether delivered events go to Redis too (``REDIS_URL`` is set)."""
    return bool(settings.REDIS_URL)


def stream_name(producer: str) -> str:
    return f"{STREAM_PREFIX}{producer}"


def envelope_fields(message: OutboxMessage) -> dict[str, str]:
    """The stream entry of ``message``: its envelope, with the payload as JSON."""
    return {
        "event_id": str(message.event_id),
        "name": message.name,
        "version": str(message.version),
        "occurred_at": message.occurred_at.isoformat(),
        "producer": message.producer,
        "traceparent": message.traceparent,
        "payload": json.dumps(message.payload, separators=(",", ":"), sort_keys=True),
    }


def append(message: OutboxMessage) -> bool:
    """Append ``message`` to its producer's stream; ``False`` (logged, counted) on failure."""
    from django_redis import get_redis_connection

    try:
        get_redis_connection("default").xadd(
            stream_name(message.producer),
            envelope_fields(message),
            maxlen=settings.SHOP_EVENTS_STREAM_MAXLEN,
            approximate=True,
        )
    except Exception:
        logger.warning(
            "cannot append %s %s to the event stream; will retry",
            message.name,
            message.event_id,
            exc_info=True,
        )
        metrics.stream_append_failures.labels(producer=message.producer).inc()
        return False
    return True


class BatchAppender:
    """Appends for one batch: after a failure, the rest of the batch is only flagged.

    Redis being away then costs one timeout per batch, not one per message.
    """

    def __init__(self) -> None:
        self.redis_answers = True

    def append(self, message: OutboxMessage) -> bool:
        if self.redis_answers:
            self.redis_answers = append(message)
        return self.redis_answers
