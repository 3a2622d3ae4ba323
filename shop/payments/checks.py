"""System checks of the payments app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from shop.payments.conf import is_deployment_webhook_secret


@checks.register("payments", deploy=True)
def check_webhook_secret(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A deployment signs webhooks with a secret of its own."""
    secret = getattr(settings, "PAYMENTS_WEBHOOK_SECRET", "")
    if is_deployment_webhook_secret(secret):
        return []
    return [
        checks.Error(
            "PAYMENTS_WEBHOOK_SECRET is unset, short or the development default.",
            hint="Set the environment variable PAYMENTS_WEBHOOK_SECRET to the provider's secret.",
            id="payments.E001",
        )
    ]
