from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "shop.platform.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Each app declares its subscriptions in handlers.py.
        autodiscover_modules("handlers")
        from shop.platform.events import checks  # noqa: F401  (registers the system checks)

    def staff_roles(self) -> dict[str, list[str]]:
        """Support reads every outbox and re-drives parked events; the others read them."""
        from shop.platform.events.models import OUTBOX_PROXIES

        def permissions(*actions: str) -> list[str]:
            return [
                f"{proxy._meta.app_label}.{action}_{proxy._meta.model_name}"
                for proxy in OUTBOX_PROXIES.values()
                for action in actions
            ]

        return {
            "support": permissions("view", "change"),
            "warehouse": permissions("view"),
            "finance": permissions("view"),
        }
