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


@checks.register("shop")
def check_events_broker(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``EVENTS_BROKER`` names a broker the events can travel through."""
    from django.conf import settings

    url = settings.EVENTS_BROKER
    if not url:
        return []
    scheme, _, address = url.partition("://")
    if scheme in ("kafka", "redis", "rediss") and address.strip("/"):
        return []
    return [
        checks.Error(
            f"EVENTS_BROKER={url!r} is not a broker address.",
            hint="Use kafka://host:port[,host:port] or redis://host:port/db, or leave it unset.",
            id="shop.E022",
        )
    ]
