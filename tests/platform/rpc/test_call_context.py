"""What travels with a remote call: the trace (one trace, client and server spans), the
request id, and the per-method metrics on both sides."""

from __future__ import annotations

import time
from uuid import UUID, uuid4

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from contracts.orders import Order, OrdersService
from shop.platform.bindings import bound
from shop.platform.rpc.client import forget_breakers
from shop.platform.rpc.conf import client_path
from shop.platform.rpc.server import start_server
from shop.platform.telemetry.logging import current_request_id


class RecordingOrders:
    """Stands for the orders facade on the serving side: records what each call saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, int]] = []

    def get_order(self, *, order_id: UUID) -> Order | None:
        context = trace.get_current_span().get_span_context()
        self.seen.append((current_request_id.get(), context.trace_id))
        return None


RECORDER = RecordingOrders()


@pytest.fixture
def served_orders(settings, spans):
    """An in-process gRPC server whose orders contract is the recorder."""
    global RECORDER
    RECORDER = RecordingOrders()
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.orders.OrdersService": "tests.platform.rpc.test_call_context.RECORDER",
    }
    running = start_server(host="127.0.0.1", port=0, workers=2)
    settings.ORDERS_SERVICE_URL = f"grpc://127.0.0.1:{running.port}"
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.orders.OrdersService": client_path("contracts.orders.OrdersService"),
    }
    forget_breakers()
    yield RECORDER
    running.stop(grace=1)


def finished(spans, kind: SpanKind, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [span for span in spans.get_finished_spans() if span.kind == kind]
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no {kind} span finished")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0


def test_one_call_is_one_trace_with_client_and_server_spans_and_the_request_id(
    served_orders, spans
):
    token = current_request_id.set("req-remote-1")
    try:
        with trace.get_tracer("test").start_as_current_span("POST /api/v1/orders/") as root:
            assert bound(OrdersService).get_order(order_id=uuid4()) is None
    finally:
        current_request_id.reset(token)

    trace_id = root.get_span_context().trace_id
    [client] = finished(spans, SpanKind.CLIENT)
    [server] = finished(spans, SpanKind.SERVER)
    assert client.name == server.name == "/shop.orders.v1.OrdersService/GetOrder"
    assert client.context.trace_id == server.context.trace_id == trace_id
    assert server.parent.span_id == client.context.span_id
    assert served_orders.seen == [("req-remote-1", trace_id)]


def test_both_sides_count_each_call_by_method_and_outcome(served_orders):
    client_before = sample(
        "shop_rpc_client_attempt_duration_seconds_count",
        service="orders",
        method="get_order",
        code="OK",
    )
    server_before = sample(
        "shop_rpc_server_duration_seconds_count", service="orders", method="get_order", outcome="ok"
    )
    binding_before = sample(
        "shop_binding_call_duration_seconds_count",
        contract="orders",
        method="get_order",
        outcome="ok",
    )

    bound(OrdersService).get_order(order_id=uuid4())

    assert (
        sample(
            "shop_rpc_client_attempt_duration_seconds_count",
            service="orders",
            method="get_order",
            code="OK",
        )
        == client_before + 1
    )
    assert (
        sample(
            "shop_rpc_server_duration_seconds_count",
            service="orders",
            method="get_order",
            outcome="ok",
        )
        == server_before + 1
    )
    assert (
        sample(
            "shop_binding_call_duration_seconds_count",
            contract="orders",
            method="get_order",
            outcome="ok",
        )
        == binding_before + 1
    )
