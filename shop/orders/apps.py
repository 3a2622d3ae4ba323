# The module, not the class: a second AppConfig class here would hide which one is the app's.
from shop.platform import domains


class OrdersConfig(domains.DomainAppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = "Orders"
    contract = "contracts.orders.OrdersService"
    facade = "shop.orders.facade.OrdersFacade"
    api_urls = "shop.orders.http.urls"
    uses = ("contracts.inventory.InventoryService", "contracts.payments.PaymentsService")

    def ready(self) -> None:
        # Registers the scrape-time gauges served by /metrics in every process.
        from shop.orders import metrics  # noqa: F401
