"""System checks of the payments app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from shop.payments.conf import DEVELOPMENT_WEBHOOK_SECRET, MIN_WEBHOOK_SECRET_LENGTH


@checks.register("payments", deploy=True)
def check_webhook_secret(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A deployment signs webhooks with a secret of its own."""
    secret = getattr(settings, "PAYMENTS_WEBHOOK_SECRET", "")
    if secret and secret != DEVELOPMENT_WEBHOOK_SECRET and len(secret) >= MIN_WEBHOOK_SECRET_LENGTH:
        return []
    return [
        checks.Error(
            "PAYMENTS_WEBHOOK_SECRET is unset, short or the development default.",
            hint="Set the environment variable PAYMENTS_WEBHOOK_SECRET to the provider's secret.",
            id="payments.E001",
        )
    ]
