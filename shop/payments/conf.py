"""The payments app's settings, with their defaults.

Only ``PAYMENTS_WEBHOOK_SECRET`` lives in ``shop/settings.py`` (it comes from the
environment); the rest are tuning knobs a deployment may override.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

DEFAULT_PROVIDER = "shop.payments.providers.simulated.SimulatedProvider"

DEVELOPMENT_WEBHOOK_SECRET = "whsec_development_only"
"""Signs the webhooks of development and tests; production refuses to start with it."""
MIN_WEBHOOK_SECRET_LENGTH = 16


def is_deployment_webhook_secret(secret: str) -> bool:
    """Whether ``secret`` is a deployment's own: long enough, and not the development one."""
    return secret != DEVELOPMENT_WEBHOOK_SECRET and len(secret) >= MIN_WEBHOOK_SECRET_LENGTH


def provider_path() -> str:
    """Dotted path of the provider gateway class (``PAYMENTS_PROVIDER``)."""
    return getattr(settings, "PAYMENTS_PROVIDER", DEFAULT_PROVIDER)


def in_flight_lease() -> timedelta:
    """How long a claimed provider call may run before others assume its caller died.

    Must exceed the provider client's own timeout.
    """
    return timedelta(seconds=getattr(settings, "PAYMENTS_IN_FLIGHT_LEASE_SECONDS", 60))


def wait_for_in_flight() -> float:
    """Seconds a caller waits for a concurrent call on the same payment to finish."""
    return float(getattr(settings, "PAYMENTS_WAIT_FOR_IN_FLIGHT_SECONDS", 10))


def resolve_after() -> timedelta:
    """How old an unanswered call must be before the resolver asks the provider."""
    return timedelta(seconds=getattr(settings, "PAYMENTS_RESOLVE_AFTER_SECONDS", 60))


def webhook_secret() -> str:
    return getattr(settings, "PAYMENTS_WEBHOOK_SECRET", "") or DEVELOPMENT_WEBHOOK_SECRET


WEBHOOK_TOLERANCE = timedelta(minutes=5)


def simulator() -> dict[str, Any]:
    """Behaviour of the simulated provider: ``latency_seconds`` and ``faults``.

    ``faults`` maps an operation (authorize, capture, void, refund, lookup) to
    ``"timeout_before"`` (the request is lost), ``"timeout_after"`` (the provider acts,
    the answer is lost) or ``"error"`` (the provider answers with a server error).
    """
    return getattr(settings, "PAYMENTS_SIMULATOR", {})
