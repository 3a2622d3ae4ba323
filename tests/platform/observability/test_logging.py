"""Log lines are JSON, and each names the request and the trace it was written in."""

import json
import re

import pytest
from django.test import Client
from opentelemetry.trace import SpanKind

pytestmark = pytest.mark.urls("tests.platform.observability.urls")

FAKES = "tests.platform.observability.fakes"


def records(lines):
    return [json.loads(line) for line in lines]


@pytest.mark.django_db(databases=["orders", "inventory", "payments"])
def test_a_requests_log_lines_carry_its_request_id_and_trace(client, spans, log_lines, settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{FAKES}.SqlInventory",
        "contracts.payments.PaymentsService": f"{FAKES}.SqlPayments",
    }

    response = client.post("/observability-test/orders/", headers={"X-Request-ID": "co-42.a_b"})

    assert response["X-Request-ID"] == "co-42.a_b"
    (server,) = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    (reserve,) = [s for s in spans.get_finished_spans() if s.name == "inventory.reserve"]
    mine = [r for r in records(log_lines()) if r["request_id"] == "co-42.a_b"]
    by_message = {r["message"].split(" ", 1)[0]: r for r in mine}
    assert set(by_message) >= {"placing", "reserving", "POST"}
    assert {r["trace_id"] for r in mine} == {f"{server.context.trace_id:032x}"}
    assert by_message["reserving"]["span_id"] == f"{reserve.context.span_id:016x}"
    assert by_message["reserving"]["logger"] == "tests.platform.observability.fakes"
    assert by_message["reserving"]["module"] == "fakes"
    assert by_message["reserving"]["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", mine[0]["timestamp"])
    access = by_message["POST"]
    assert access["http_route"] == "observability-test/orders/"
    assert access["http_status"] == 201


@pytest.mark.parametrize(
    "offered", ["", "has space", "semi;colon", "x" * 129, "new\nline", "é"], ids=repr
)
def test_an_unusable_request_id_is_replaced_by_a_new_one(client, offered):
    response = client.get("/healthz", headers={"X-Request-ID": offered})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own(client):
    first, second = client.get("/healthz"), client.get("/healthz")

    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_the_longest_sane_request_id_is_kept(client):
    offered = "A.z_0-" * 21 + "xy"

    assert client.get("/healthz", headers={"X-Request-ID": offered})["X-Request-ID"] == offered


@pytest.mark.django_db
def test_errors_and_unknown_paths_echo_the_request_id_and_log_it(log_lines):
    client = Client(raise_request_exception=False)

    crashed = client.get("/observability-test/crash/", headers={"X-Request-ID": "boom-1"})
    missing = client.get("/no/such/page/", headers={"X-Request-ID": "lost-1"})
    unrouted = client.get("/api/v1/no-such-endpoint/", headers={"X-Request-ID": "api-1"})
    problem = client.get("/observability-test/refuse/", headers={"X-Request-ID": "sold-1"})

    assert (crashed.status_code, crashed["X-Request-ID"]) == (500, "boom-1")
    assert (missing.status_code, missing["X-Request-ID"]) == (404, "lost-1")
    assert (unrouted.status_code, unrouted["X-Request-ID"]) == (404, "api-1")
    assert (problem.status_code, problem["X-Request-ID"]) == (409, "sold-1")
    assert problem["Content-Type"] == "application/problem+json"
    logged = records(log_lines())
    error = next(r for r in logged if r["logger"] == "django.request" and r["level"] == "ERROR")
    assert error["request_id"] == "boom-1"
    assert "RuntimeError: the view broke" in error["exc_info"]
    not_found = [r for r in logged if r["logger"] == "django.request" and r["level"] == "WARNING"]
    assert {r["request_id"] for r in not_found} == {"lost-1", "api-1", "sold-1"}


@pytest.mark.django_db(databases="__all__")
def test_probes_and_scrapes_that_succeed_leave_no_access_line(client, log_lines):
    client.get("/healthz")
    client.get("/readyz")
    client.get("/metrics")
    client.get("/observability-test/catalog/")

    access = [r["http_route"] for r in records(log_lines()) if r["logger"] == "shop.access"]
    assert access == ["observability-test/catalog/"]
