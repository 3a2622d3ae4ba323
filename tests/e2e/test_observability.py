"""A real order is one trace, its logs carry that trace, and its metrics use templates."""

import json
import logging
from io import StringIO

import pytest
from django.db import connections
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from tests.e2e.conftest import client_for, place

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def database_of(span) -> str | None:
    return span.attributes.get("db.name") or span.attributes.get("db.namespace")


def test_placing_an_order_is_one_trace_across_apps_and_databases(catalog, spans):
    alice = client_for("alice")
    connections.close_all()  # connections opened before tracing was set up carry no spans
    spans.clear()

    response = place(alice)

    assert response.status_code == 201
    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.kind == SpanKind.SERVER]
    in_trace = [s for s in finished if s.context.trace_id == server.context.trace_id]
    names = {s.name for s in in_trace}
    assert {"inventory.reserve", "payments.authorize", "inventory.hold"} <= names
    assert "event.publish orders.order_confirmed" in names
    alias_of = {connections[a].settings_dict["NAME"]: a for a in connections}
    sql_databases = {alias_of.get(database_of(s)) for s in in_trace if database_of(s)}
    assert {"orders", "inventory", "payments"} <= sql_databases
    by_id = {s.context.span_id: s for s in in_trace}
    reserve = next(s for s in in_trace if s.name == "inventory.reserve")
    under_reserve = {
        alias_of.get(database_of(s))
        for s in in_trace
        if database_of(s) and s.parent and by_id.get(s.parent.span_id) is reserve
    }
    assert under_reserve == {"inventory"}


def test_an_order_request_logs_its_request_id_and_trace(catalog, spans):
    alice = client_for("alice")
    handler = logging.getHandlerByName("console")
    buffer = StringIO()
    previous = handler.setStream(buffer)
    try:
        response = place(alice)
    finally:
        handler.setStream(previous)

    request_id = response["X-Request-ID"]
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    ours = [line for line in lines if line.get("request_id") == request_id]
    (server,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert ours, lines
    assert {line["trace_id"] for line in ours} == {f"{server.context.trace_id:032x}"}


def test_order_metrics_are_labelled_by_route_template(catalog, client):
    alice = client_for("alice")
    order_id = place(alice).json()["id"]
    alice.get(f"/api/v1/orders/{order_id}/")

    metrics = client.get("/metrics").content.decode()

    assert 'route="api/v1/orders/<uuid:order_id>/"' in metrics
    assert order_id not in metrics
    assert 'shop_orders_total{outcome="confirmed"}' in metrics


def test_business_outcomes_are_counted(catalog, client):
    def counted(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = (
        counted("shop_orders_total", outcome="rejected"),
        counted("shop_stockouts_total"),
        counted("shop_payments_total", outcome="declined"),
        counted("shop_orders_total", outcome="payment_failed"),
    )
    alice = client_for("alice")

    assert place(alice, sku="LAST-ONES", quantity=11).status_code == 409
    assert place(alice, method="pm_card_chargeDeclined").status_code == 402

    assert counted("shop_orders_total", outcome="rejected") == before[0] + 1
    assert counted("shop_stockouts_total") == before[1] + 1
    assert counted("shop_payments_total", outcome="declined") == before[2] + 1
    assert counted("shop_orders_total", outcome="payment_failed") == before[3] + 1
