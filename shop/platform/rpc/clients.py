"""The gRPC client of each published contract, as ``SHOP_BINDINGS`` names them.

``conf.REMOTE_CLIENTS`` binds one of these when its ``<APP>_SERVICE_URL`` is set.
"""

from __future__ import annotations

from shop.platform.rpc.client import RemoteService


class InventoryClient(RemoteService):
    contract_path = "contracts.inventory.InventoryService"


class PaymentsClient(RemoteService):
    contract_path = "contracts.payments.PaymentsService"


class OrdersClient(RemoteService):
    contract_path = "contracts.orders.OrdersService"
