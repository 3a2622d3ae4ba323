# The module, not the class: a second AppConfig class here would hide which one is the app's.
from shop.platform import domains


class InventoryConfig(domains.DomainAppConfig):
    name = "shop.inventory"
    label = "inventory"
    verbose_name = "Inventory"
    contract = "contracts.inventory.InventoryService"
    facade = "shop.inventory.facade.InventoryFacade"
    api_urls = "shop.inventory.http.urls"
