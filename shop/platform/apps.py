from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "shop.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.contrib import admin

        from shop.platform import (
            audit,  # noqa: F401  (registers the audit's gauges)
            checks,  # noqa: F401  (registers the system checks)
        )

        # The admin's home page links to the Operations page (shop/urls.py).
        admin.site.index_template = "admin/shop_index.html"

    def staff_roles(self) -> dict[str, list[str]]:
        """Support and refunds staff see who a customer is (see shop.platform.roles)."""
        return {
            "support": ["auth.view_user", "platform.view_auditrun"],
            "finance": ["auth.view_user"],
        }
