from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Registers the scrape-time gauges served by /metrics in every process.
        from shop.orders import metrics  # noqa: F401
