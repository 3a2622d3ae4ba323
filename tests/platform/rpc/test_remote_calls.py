"""A remote call that gets no answer: bounded retries of idempotent methods only, a
circuit per target, and ServiceUnavailable for the caller."""

from __future__ import annotations

import socket
from uuid import uuid4

import pytest
from prometheus_client import REGISTRY

from contracts.common import ServiceUnavailable
from shop.platform.checks import check_bindings
from shop.platform.rpc.client import forget_breakers
from shop.platform.rpc.clients import client_class
from shop.platform.rpc.conf import BadServiceUrl, client_path

PaymentsClient = client_class("contracts.payments.PaymentsService")


@pytest.fixture(autouse=True)
def nobody_listening(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.PAYMENTS_SERVICE_URL = f"grpc://127.0.0.1:{port}"
    settings.RPC_RETRY_ATTEMPTS = 3
    settings.RPC_CIRCUIT_FAILURES = 10
    settings.RPC_CIRCUIT_RESET_SECONDS = 30
    forget_breakers()
    yield
    forget_breakers()


def attempts(method: str) -> float:
    labels = {"service": "payments", "method": method, "code": "UNAVAILABLE"}
    return REGISTRY.get_sample_value("shop_rpc_client_attempt_duration_seconds_count", labels) or 0


def test_an_idempotent_call_is_tried_a_bounded_number_of_times_then_unavailable():
    before = attempts("get")

    with pytest.raises(ServiceUnavailable) as unavailable:
        PaymentsClient().get(order_id=uuid4())

    assert attempts("get") - before == 3
    assert unavailable.value.service == "payments"
    assert unavailable.value.retry_after >= 1
    assert "unreachable" in unavailable.value.reason


def test_a_call_the_contract_does_not_mark_idempotent_is_tried_once():
    before = attempts("refund")

    with pytest.raises(ServiceUnavailable):
        PaymentsClient().refund(order_id=uuid4(), amount_minor=100)

    assert attempts("refund") - before == 1


def test_the_circuit_opens_after_repeated_failures_and_then_fails_at_once(settings):
    settings.RPC_CIRCUIT_FAILURES = 2
    settings.RPC_RETRY_ATTEMPTS = 1
    payments = PaymentsClient()
    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            payments.get(order_id=uuid4())
    before = attempts("get")

    with pytest.raises(ServiceUnavailable) as unavailable:
        payments.get(order_id=uuid4())

    assert attempts("get") == before, "an open circuit must not call the service"
    assert "circuit open" in unavailable.value.reason
    assert unavailable.value.retry_after == 30


def test_the_circuit_is_per_target(settings):
    settings.RPC_CIRCUIT_FAILURES = 1
    settings.RPC_RETRY_ATTEMPTS = 1
    with pytest.raises(ServiceUnavailable):
        PaymentsClient().get(order_id=uuid4())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        other = f"grpc://127.0.0.1:{probe.getsockname()[1]}"
    before = attempts("get")

    with pytest.raises(ServiceUnavailable) as unavailable:
        PaymentsClient(url=other).get(order_id=uuid4())

    assert attempts("get") == before + 1
    assert "unreachable" in unavailable.value.reason


@pytest.mark.parametrize("url", ["http://payments:80", "grpc://payments", "payments:50051", ""])
def test_a_service_url_that_is_not_grpc_is_refused(settings, url):
    settings.PAYMENTS_SERVICE_URL = url

    with pytest.raises(BadServiceUrl):
        PaymentsClient()


def test_a_service_url_without_a_port_is_named_at_start_up(settings):
    settings.PAYMENTS_SERVICE_URL = "grpc://payments"
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.payments.PaymentsService": client_path("contracts.payments.PaymentsService"),
    }

    messages = [str(error.msg) for error in check_bindings() if error.id == "shop.E003"]

    assert len(messages) == 1
    assert "'grpc://payments' names no port" in messages[0]
