from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "shop.inventory"
    label = "inventory"
    verbose_name = "Inventory"

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
