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
