# The module, not the class: a second AppConfig class here would hide which one is the app's.
from shop.platform import domains


class InventoryConfig(domains.DomainAppConfig):
    name = "shop.inventory"
    label = "inventory"
    verbose_name = "Inventory"
    contract = "contracts.inventory.InventoryService"
    facade = "shop.inventory.facade.InventoryFacade"
    api_urls = "shop.inventory.http.urls"
    # Anonymous catalog reads are answered from cached bytes before Django's middleware.
    wsgi_wrappers = ("shop.inventory.http.response_cache.CatalogResponseCache",)

    def staff_roles(self) -> dict[str, list[str]]:
        """What each staff role may do here (see shop.platform.roles): support sees and
        cancels, the warehouse ships and restocks, finance refunds; nobody else moves money."""
        return {
            "support": [
                "inventory.view_product",
                "inventory.view_stock",
                "inventory.view_reservation",
                "inventory.view_reservationline",
            ],
            "warehouse": [
                "inventory.view_product",
                "inventory.add_product",
                "inventory.change_product",
                "inventory.restock",
                "inventory.view_stock",
                "inventory.view_reservation",
                "inventory.view_reservationline",
            ],
            "finance": ["inventory.view_product", "inventory.view_stock"],
        }
