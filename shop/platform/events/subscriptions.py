"""The registry of subscribers: which functions apply which events, in which app."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from contracts.common import DomainEvent


@dataclass(frozen=True)
class Subscription:
    event_type: type[DomainEvent]
    handler: Callable[[Any], None]
    app: str  # the consuming app: its database holds the inbox and the effect

    @property
    def key(self) -> str:
        """Stable name of this subscriber, recorded in the inbox."""
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_subscriptions: dict[str, list[Subscription]] = defaultdict(list)


def subscriber[E: DomainEvent](
    event_type: type[E], *, app: str | None = None
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Declare ``handler`` as applying ``event_type`` in the app that defines it.

    The handler runs inside a transaction on its app's database, in which the event
    id is recorded in the inbox: it applies each event at most once. ``app`` names
    the consuming app for a handler defined outside it (the app's label).
    """

    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        label = app
        if label is None:
            app_config = apps.get_containing_app_config(handler.__module__)
            if app_config is None:
                raise LookupError(f"{handler.__module__} is not inside an installed app")
            label = app_config.label
        subscription = Subscription(event_type, handler, label)
        registered = _subscriptions[event_type.name]
        if all(s.key != subscription.key for s in registered):
            registered.append(subscription)
        return handler

    return register


def subscriptions_for(event_name: str) -> tuple[Subscription, ...]:
    return tuple(_subscriptions.get(event_name, ()))


def all_subscriptions() -> tuple[Subscription, ...]:
    return tuple(s for subs in _subscriptions.values() for s in subs)


@contextmanager
def isolated_subscriptions() -> Iterator[None]:
    """Subscriptions registered inside the block are forgotten when it ends (tests)."""
    saved = {name: list(subs) for name, subs in _subscriptions.items()}
    try:
        yield
    finally:
        _subscriptions.clear()
        _subscriptions.update(saved)
