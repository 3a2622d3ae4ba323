"""A request the contract cannot read is refused as the caller's mistake, before the
implementation sees it: INVALID_ARGUMENT, not INTERNAL."""

from __future__ import annotations

from uuid import UUID

import grpc
import pytest

from contracts.orders import Order, OrdersService
from shop.platform.rpc.codec import message_class
from shop.platform.rpc.schema import contract_schema
from shop.platform.rpc.server import start_server


class CountingOrders:
    """Stands for the orders facade on the serving side: counts the calls it gets."""

    def __init__(self) -> None:
        self.calls = 0

    def get_order(self, *, order_id: UUID) -> Order | None:
        self.calls += 1
        return None


ORDERS = CountingOrders()


@pytest.fixture
def served_orders(settings):
    global ORDERS
    ORDERS = CountingOrders()
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.orders.OrdersService": "tests.platform.rpc.test_bad_requests.ORDERS",
    }
    running = start_server(host="127.0.0.1", port=0, workers=2)
    yield running.port
    running.stop(grace=1)


def test_a_malformed_id_is_an_invalid_argument_and_reaches_no_facade(served_orders):
    schema = contract_schema(OrdersService)
    method = schema.method("get_order")
    request = message_class(schema, method.request_name)(order_id="not-a-uuid")

    with grpc.insecure_channel(f"127.0.0.1:{served_orders}") as channel:
        get_order = channel.unary_unary(
            f"/{schema.service_name}/{method.rpc_name}",
            request_serializer=lambda message: message.SerializeToString(),
            response_deserializer=message_class(schema, method.response_name).FromString,
        )
        with pytest.raises(grpc.RpcError) as refused:
            get_order(request, timeout=5)

    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert ORDERS.calls == 0
