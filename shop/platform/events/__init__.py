"""Events across apps: a transactional outbox per app database, an idempotent inbox
per subscriber, and delivery (in-process after commit, or by the worker).

Producers call ``publish(event)`` inside a transaction on their own database;
consumers declare ``@subscriber(EventType)`` functions in their app's ``handlers.py``.
"""

from typing import Any

__all__ = ["EventPublishedOutsideTransaction", "publish", "subscriber"]


def __getattr__(name: str) -> Any:
    # Imported lazily: this package is also a Django app, loaded before models may be.
    if name in ("publish", "EventPublishedOutsideTransaction"):
        from shop.platform.events import publishing

        return getattr(publishing, name)
    if name == "subscriber":
        from shop.platform.events.subscriptions import subscriber

        return subscriber
    raise AttributeError(name)
