"""System checks: every subscriber can keep an inbox."""

from __future__ import annotations

from typing import Any

from django.core import checks

from shop.platform.domains import app_database_aliases
from shop.platform.events.subscriptions import all_subscriptions


@checks.register("shop")
def check_subscribers_have_an_inbox(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """A subscriber's app must own a database: its inbox and effects live there."""
    aliases = app_database_aliases()
    return [
        checks.Error(
            f"subscriber {s.key} of {s.event_type.name} belongs to {s.app!r}, "
            "which has no database of its own.",
            hint=f"Declare it in the handlers.py of one of {', '.join(aliases)}.",
            id="shop.E020",
        )
        for s in all_subscriptions()
        if s.app not in aliases
    ]
