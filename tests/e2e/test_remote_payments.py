"""Orders reaching payments over gRPC, and payments that cannot answer.

Payments is served by a real ``serve_grpc`` process on the test databases; orders and
inventory run here. When payments is down the API answers 503 ``service-unavailable``
with ``Retry-After`` and writes nothing; when it answers too late the order stays
``pending`` with its stock held, and the reconciler settles it once payments is back.
"""

from __future__ import annotations

import time
from uuid import uuid4

import pytest
from django.core.management import call_command

from contracts.payments import PaymentsService, PaymentStatus
from shop.orders.models import Order
from shop.platform.bindings import bound
from shop.platform.rpc.client import forget_breakers
from shop.platform.rpc.conf import client_path
from tests.contracts.server import GrpcServerProcess
from tests.e2e.conftest import available, client_for, place, state

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]


@pytest.fixture
def remote_payments(settings):
    """Bind payments to the gRPC client of a server process the test controls."""
    servers: list[GrpcServerProcess] = []

    def serve(*, port: int = 0, simulator: dict | None = None) -> GrpcServerProcess:
        server = GrpcServerProcess(simulator=simulator).start(port=port)
        servers.append(server)
        settings.PAYMENTS_SERVICE_URL = server.url
        settings.SHOP_BINDINGS = {
            **settings.SHOP_BINDINGS,
            "contracts.payments.PaymentsService": client_path("contracts.payments.PaymentsService"),
        }
        return server

    settings.RPC_CIRCUIT_RESET_SECONDS = 1
    forget_breakers()
    yield serve
    for server in servers:
        server.kill()
    forget_breakers()


def assert_service_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/service-unavailable")
    assert response.json()["service"] == "payments"
    assert int(response["Retry-After"]) >= 1
    assert "127.0.0.1" not in response.json()["detail"], "the client learns no internal address"


def test_orders_placed_shipped_and_refunded_through_remote_payments(catalog, remote_payments):
    remote_payments()
    alice, staff = client_for("alice"), client_for("staff", staff=True)

    placed = place(alice, quantity=3, key=str(uuid4()))
    order_id = placed.json()["id"]
    shipped = staff.post(f"/api/v1/orders/{order_id}/ship/")
    refunded = staff.post(f"/api/v1/orders/{order_id}/refund/")

    assert placed.status_code == 201, placed.content
    assert placed.json()["status"] == "confirmed"
    assert shipped.status_code == 200, shipped.content
    assert refunded.status_code == 200, refunded.content
    assert state(order_id) == ("refunded", "committed", "refunded")
    assert available() == 97


def test_with_payments_down_placement_answers_503_and_writes_nothing(catalog, remote_payments):
    server = remote_payments()
    server.kill()
    alice = client_for("alice")

    response = place(alice, key=str(uuid4()))

    assert_service_unavailable(response)
    assert Order.objects.count() == 0
    assert available() == 100


def test_payments_killed_and_started_again_takes_orders_again(catalog, remote_payments):
    server = remote_payments()
    alice = client_for("alice")
    assert place(alice, key=str(uuid4())).status_code == 201
    port = server.port
    server.kill()

    down = place(alice, key=str(uuid4()))
    remote_payments(port=port)
    deadline = time.monotonic() + 60
    while (back := place(alice, key=str(uuid4()))).status_code == 503:
        assert time.monotonic() < deadline, "payments never came back"
        time.sleep(0.5)

    assert_service_unavailable(down)
    assert back.status_code == 201, back.content
    assert sorted(Order.objects.values_list("status", flat=True)) == ["confirmed", "confirmed"]
    assert available() == 96


def test_an_answer_too_late_leaves_the_order_pending_until_the_reconciler_settles_it(
    catalog, remote_payments, settings
):
    remote_payments(simulator={"latency_seconds": 3})
    settings.PAYMENTS_SERVICE_DEADLINE_SECONDS = 1.5
    alice = client_for("alice")

    response = place(alice, quantity=4, key=str(uuid4()))

    assert_service_unavailable(response)
    [order] = Order.objects.all()
    assert order.status == "pending"
    assert available() == 96, "the stock stays held while the payment's outcome is unknown"
    # The authorization went through over there after the caller gave up.
    settings.PAYMENTS_SERVICE_DEADLINE_SECONDS = 30
    deadline = time.monotonic() + 60
    while getattr(bound(PaymentsService).get(order_id=order.pk), "status", None) in (
        None,
        PaymentStatus.UNRESOLVED,  # while the provider call is in flight
    ):
        assert time.monotonic() < deadline, "the authorization never landed"
        time.sleep(0.2)
    settings.ORDERS_PENDING_DEADLINE_SECONDS = 0
    call_command("reconcile_orders")

    assert state(order.pk) == ("confirmed", "reserved", str(PaymentStatus.AUTHORIZED))
    assert available() == 96
