from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "shop.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from shop.platform import (
            audit,  # noqa: F401  (registers the audit's gauges)
            checks,  # noqa: F401  (registers the system checks)
        )
