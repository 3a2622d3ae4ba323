"""The orders app's tuning knobs, read from settings with their defaults."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def driver_lease() -> timedelta:
    """How long one driver may hold an order before others assume it died.

    Must exceed the longest call through a binding (provider timeouts included).
    """
    return timedelta(seconds=getattr(settings, "ORDERS_DRIVER_LEASE_SECONDS", 30))


def pending_deadline() -> timedelta:
    """How old a ``pending`` order must be before the reconciler settles it."""
    return timedelta(seconds=getattr(settings, "ORDERS_PENDING_DEADLINE_SECONDS", 60))


def idempotency_lease() -> timedelta:
    """The longest a duplicate request answers ``request-in-progress``."""
    return timedelta(seconds=getattr(settings, "ORDERS_IDEMPOTENCY_LEASE_SECONDS", 30))


def idempotency_ttl() -> timedelta:
    """How long an ``Idempotency-Key`` and its answer are remembered (at least 24 h)."""
    return max(
        timedelta(hours=getattr(settings, "ORDERS_IDEMPOTENCY_TTL_HOURS", 24)), timedelta(hours=24)
    )


def provider_retry_after() -> int:
    """Seconds a client is asked to wait when the payment provider did not answer."""
    return int(getattr(settings, "ORDERS_RETRY_AFTER_SECONDS", 5))
