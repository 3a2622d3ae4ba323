"""System checks: every subscriber can keep an inbox, every outbox has an admin."""

from __future__ import annotations

from typing import Any

from django.core import checks

from shop.platform.databases import APP_ALIASES
from shop.platform.events.models import OUTBOX_PROXIES
from shop.platform.events.subscriptions import all_subscriptions


@checks.register("shop")
def check_subscribers_have_an_inbox(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """A subscriber's app must own a database: its inbox and effects live there."""
    return [
        checks.Error(
            f"subscriber {s.key} of {s.event_type.name} belongs to {s.app!r}, "
            "which has no database of its own.",
            hint=f"Declare it in the handlers.py of one of {', '.join(APP_ALIASES)}.",
            id="shop.E020",
        )
        for s in all_subscriptions()
        if s.app not in APP_ALIASES
    ]


@checks.register("shop")
def check_every_outbox_is_in_the_admin(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"the outbox of the {alias!r} database has no admin proxy.",
            hint="Add a proxy of OutboxMessage to OUTBOX_PROXIES in events/models.py.",
            id="shop.E021",
        )
        for alias in sorted(set(APP_ALIASES) - set(OUTBOX_PROXIES))
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
