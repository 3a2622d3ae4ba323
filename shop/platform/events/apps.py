from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "shop.platform.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Each app declares its subscriptions in handlers.py.
        autodiscover_modules("handlers")
        from shop.platform.events import (
            checks,  # noqa: F401  (registers the system checks)
            gauges,  # noqa: F401  (registers the scrape-time gauges)
        )

    def staff_roles(self) -> dict[str, list[str]]:
        """Support reads every outbox and re-drives parked events, published or received;
        the others read them."""
        # One outbox admin over every app database (the list switches database).
        return {
            "support": [
                "events.view_outboxmessage",
                "events.change_outboxmessage",
                "events.view_parkedconsumermessage",
                "events.change_parkedconsumermessage",
            ],
            "warehouse": ["events.view_outboxmessage"],
            "finance": ["events.view_outboxmessage"],
        }
