"""A database error of the app serving a contract means the same to its caller through
every binding: a database that does not answer (``OperationalError``, ``InterfaceError``)
is the app being unavailable (``ServiceUnavailable``: retried, then 503); any other
(a constraint, a missing table) is a bug, an internal error that no retry cures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, ProgrammingError

from contracts.common import ServiceUnavailable
from contracts.payments import PaymentsService
from shop.platform.bindings import bound
from shop.platform.rpc.client import forget_breakers
from shop.platform.rpc.clients import client_class
from shop.platform.rpc.server import start_server

CONTRACT = "contracts.payments.PaymentsService"


class FailingPayments:
    """Stands for the payments facade: its database fails with ``error`` on every call."""

    def __init__(self) -> None:
        self.error: Exception = OperationalError("connection refused")
        self.calls = 0

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def fail(**kwargs: Any) -> Any:
            self.calls += 1
            raise self.error

        return fail


PAYMENTS = FailingPayments()


@pytest.fixture(params=["facade", "grpc"])
def payments(request, settings) -> PaymentsService:
    """The contract as a caller reaches it: in process, or over gRPC from a server."""
    global PAYMENTS
    PAYMENTS = FailingPayments()
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        CONTRACT: "tests.platform.rpc.test_database_errors.PAYMENTS",
    }
    settings.RPC_RETRY_ATTEMPTS = 3
    settings.RPC_CIRCUIT_FAILURES = 10
    forget_breakers()
    if request.param == "facade":
        yield bound(PaymentsService)
    else:
        running = start_server(host="127.0.0.1", port=0, workers=2)
        client = client_class(CONTRACT)(url=f"grpc://127.0.0.1:{running.port}")
        yield client
        client.close()
        running.stop(grace=1)
    forget_breakers()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_that_does_not_answer_makes_the_app_unavailable(payments, error):
    PAYMENTS.error = error("server closed the connection unexpectedly")

    with pytest.raises(ServiceUnavailable) as unavailable:
        payments.get(order_id=uuid4())

    assert unavailable.value.service == "payments"
    assert unavailable.value.retry_after >= 1


@pytest.mark.parametrize("error", [IntegrityError, ProgrammingError, DataError])
def test_any_other_database_error_is_an_internal_error_tried_once(payments, settings, error):
    settings.RPC_CIRCUIT_FAILURES = 2
    PAYMENTS.error = error("relation payments_payment does not exist")

    for _ in range(3):  # more than the failures that would open the circuit
        with pytest.raises(Exception) as failed:
            payments.get(order_id=uuid4())
        assert not isinstance(failed.value, ServiceUnavailable), failed.value
        assert error.__name__ in f"{type(failed.value).__name__}: {failed.value}"

    # Each call reached the app once: not retried, and the circuit stayed closed.
    assert PAYMENTS.calls == 3
