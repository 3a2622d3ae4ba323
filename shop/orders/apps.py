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

    def staff_roles(self) -> dict[str, list[str]]:
        """What each staff role may do here (see shop.platform.roles): support sees and
        cancels, the warehouse ships and restocks, finance refunds; nobody else moves money."""
        return {
            "support": ["orders.view_order", "orders.view_orderline", "orders.cancel_order"],
            "warehouse": ["orders.view_order", "orders.view_orderline", "orders.ship_order"],
            "finance": [
                "orders.view_order",
                "orders.view_orderline",
                "orders.cancel_order",
                "orders.refund_order",
            ],
        }
