"""Chaos: web workers killed -9 mid-placement, an app's database stopped, Redis stopped.
After recovery and the reconciler, the consistency audit finds nothing.

Everything broken here is started here: granian servers, a TCP proxy in front of
PostgreSQL, a redis-server. The shared PostgreSQL and Redis are never touched.
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_orders
from shop.payments.providers.simulated import SimulatedProviderCall
from shop.payments.services import resolve_unanswered_payments
from shop.platform.accounts import ensure_customer
from tests.e2e.audit import assert_audit_finds_nothing
from tests.e2e.chaos import RedisServer, TcpProxy, WebServer, database_environment, wait_until
from tests.e2e.conftest import available, state

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]

# Short leases, so that what a killed process held is taken over within the test.
FAST_RECOVERY = {
    "ORDERS_IDEMPOTENCY_LEASE_SECONDS": "2",
    "ORDERS_DRIVER_LEASE_SECONDS": "2",
    "ORDERS_RETRY_AFTER_SECONDS": "1",
    "PAYMENTS_IN_FLIGHT_LEASE_SECONDS": "2",
    "PAYMENTS_WAIT_FOR_IN_FLIGHT_SECONDS": "1",
    "PAYMENTS_RESOLVE_AFTER_SECONDS": "0",
}
FINAL = {201, 402}


def token_of(username: str) -> str:
    return ensure_customer(username=username)[1]


def place(server: WebServer, token: str, key: str, *, sku="TEE-BLACK-M", quantity=2):
    return server.request(
        "POST",
        "/api/v1/orders/",
        body={"lines": [{"sku": sku, "quantity": quantity}], "payment_method": "pm_card_visa"},
        headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
    )


def is_final(status: int | None, body: dict) -> bool:
    return status in FINAL or (
        status == 409 and body.get("type", "").endswith("/insufficient-stock")
    )


def settle(settings) -> None:
    """What the worker does after a crash: resolve unanswered payments, then reconcile."""
    settings.ORDERS_PENDING_DEADLINE_SECONDS = 0
    settings.ORDERS_DRIVER_LEASE_SECONDS = 0
    time.sleep(2.1)  # the killed drivers' leases (FAST_RECOVERY) run out
    resolve_unanswered_payments()
    reconcile_orders()


@pytest.fixture
def servers() -> Iterator[list]:
    """Whatever a test starts is stopped at its end, even when it fails."""
    started: list = []
    yield started
    for thing in reversed(started):
        thing.kill() if hasattr(thing, "kill") else thing.stop()
        if isinstance(thing, WebServer):
            shutil.rmtree(thing.metrics_dir, ignore_errors=True)
    connections.close_all()


def test_web_workers_killed_during_concurrent_placements_leave_one_order_per_key(
    catalog, servers, settings
):
    tokens = [token_of(f"buyer{i}") for i in range(4)]
    keys = [(tokens[i % 4], f"chaos-{i}") for i in range(12)]
    server = WebServer(environ={**database_environment(), **FAST_RECOVERY})
    server.environ["CHAOS_PAYMENT_LATENCY"] = "0.4"
    servers.append(server.start())

    def buy(token_and_key: tuple[str, str]) -> tuple[int | None, dict]:
        token, key = token_and_key
        deadline = time.monotonic() + 45
        status, body = None, {}
        while time.monotonic() < deadline:
            try:
                status, body, headers = place(server, token, key)
            except OSError:
                status, body, headers = None, {}, {}
            if is_final(status, body):
                break
            time.sleep(min(float(headers.get("retry-after", 0.2)), 1.0))
        return status, body

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = pool.map(buy, keys)
        # Kill every worker while some placements are between their steps.
        wait_until(
            lambda: Order.objects.filter(status="pending").exists(),
            timeout=30,
            what="a placement in flight",
        )
        in_flight_at_kill = Order.objects.filter(status="pending").count()
        server.kill()
        server.start()
        answers = list(answers)

    assert in_flight_at_kill >= 1
    settle(settings)
    # Each key names one order; asking again gives its final answer.
    answered = [place(server, token, key) for token, key in keys]
    assert all(status == 201 for status, _, _ in answered), answered
    order_ids = {body["id"] for _, body, _ in answered}
    assert len(order_ids) == len(keys)
    assert Order.objects.count() == len(keys)
    assert {state(order_id) for order_id in order_ids} == {("confirmed", "reserved", "authorized")}
    # One charge per order at the provider, however often a killed request was retried.
    assert SimulatedProviderCall.objects.filter(operation="authorize").count() == len(keys)
    assert available() == 100 - 2 * len(keys)
    assert_audit_finds_nothing()


def test_with_the_payments_database_stopped_placement_is_503_and_catalog_reads_go_on(
    catalog, servers, settings
):
    token = token_of("alice")
    payments_port = connections["payments"].settings_dict["PORT"] or 5432
    proxy = TcpProxy(int(payments_port)).start()
    servers.append(proxy)
    server = WebServer(environ={**database_environment(payments=proxy.port), **FAST_RECOVERY})
    servers.append(server.start())
    assert place(server, token, "before")[0] == 201

    proxy.cut()
    refused_status, refused, headers = place(server, token, "during")
    abandoned_status, _, _ = place(server, token, "abandoned")
    catalog_status, page, _ = server.request("GET", "/api/v1/products/")
    ready_status, ready, _ = server.request("GET", "/readyz")

    assert (refused_status, abandoned_status) == (503, 503), refused
    assert refused["type"].endswith("/service-unavailable")
    assert int(headers["retry-after"]) >= 1
    assert catalog_status == 200 and page["results"]
    assert server.request("GET", "/api/v1/products/TEE-BLACK-M/")[0] == 200
    assert (ready_status, ready["down"]) == (503, ["database:payments"])

    proxy.restore()
    deadline = time.monotonic() + 20
    while (retried := place(server, token, "during"))[0] != 201:
        assert time.monotonic() < deadline, retried
        time.sleep(0.5)
    settle(settings)

    during = uuid.UUID(retried[1]["id"])
    assert state(during) == ("confirmed", "reserved", "authorized")
    (abandoned,) = Order.objects.exclude(pk=during).filter(status="rejected")
    assert state(abandoned.pk) == ("rejected", "released", None)
    assert available() == 100 - 2 * 2
    assert_audit_finds_nothing()


def test_with_redis_stopped_the_shop_keeps_selling_and_says_it_is_degraded(
    catalog, servers, settings
):
    token = token_of("alice")
    redis = RedisServer().start()
    servers.append(redis)
    server = WebServer(environ={**database_environment(), "REDIS_URL": redis.url}, workers=1)
    servers.append(server.start())
    assert place(server, token, "before")[0] == 201

    redis.kill()
    placed_status, placed, _ = place(server, token, "during")
    catalog_status, _, _ = server.request("GET", "/api/v1/products/TEE-BLACK-M/")
    ready_status, ready, _ = server.request("GET", "/readyz")

    assert placed_status == 201, placed
    assert catalog_status == 200
    assert (ready_status, ready["status"], ready["degraded"]) == (200, "degraded", ["cache"])

    redis.start()
    assert place(server, token, "after")[0] == 201
    assert server.request("GET", "/readyz")[1]["status"] == "ready"
    settle(settings)
    assert available() == 100 - 2 * 3
    assert_audit_finds_nothing()
