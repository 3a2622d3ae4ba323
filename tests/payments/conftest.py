"""Fixtures of the payments tests: the contract as bound, the simulated provider's
behaviour, and a look into the provider's own books, the ledger and the outbox."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from contracts.common import Money
from contracts.payments import PaymentsService
from shop.payments.models import Payment, ProviderInteraction
from shop.payments.providers.simulated import SimulatedProviderCall
from shop.platform.bindings import bound
from shop.platform.events.models import OutboxMessage

EUR_25 = Money(2500, "EUR")

# Every provider call must run outside a transaction, so these tests commit for real.
payments_db = pytest.mark.django_db(transaction=True, databases=["default", "payments"])


@pytest.fixture
def payments() -> PaymentsService:
    return bound(PaymentsService)


@pytest.fixture
def order_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def simulator(settings) -> Callable[..., None]:
    """Set the simulated provider's behaviour: ``simulator(authorize="timeout_after")``."""
    settings.PAYMENTS_SIMULATOR = {}

    def configure(*, latency_seconds: float = 0, **faults: str) -> None:
        settings.PAYMENTS_SIMULATOR = {"latency_seconds": latency_seconds, "faults": faults}

    return configure


@pytest.fixture(autouse=True)
def _resolve_at_once(settings) -> None:
    settings.PAYMENTS_RESOLVE_AFTER_SECONDS = 0


def provider_calls(operation: str | None = None) -> list[SimulatedProviderCall]:
    """What the provider itself recorded: one row per request it acted on."""
    calls = SimulatedProviderCall.objects.order_by("id")
    return list(calls if operation is None else calls.filter(operation=operation))


def ledger(order_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = ProviderInteraction.objects.filter(payment__order_id=order_id)
    return list(rows.values_list("operation", "outcome"))


def published(name: str | None = None) -> list[dict[str, Any]]:
    messages = OutboxMessage.objects.using("payments").order_by("occurred_at")
    if name is not None:
        messages = messages.filter(name=name)
    return [{"name": m.name, **m.payload} for m in messages]


def snapshot() -> dict[str, Any]:
    """Everything a refused request must leave untouched."""
    return {
        "payments": list(Payment.objects.order_by("id").values()),
        "provider": list(SimulatedProviderCall.objects.order_by("id").values()),
        "ledger": list(ProviderInteraction.objects.order_by("id").values()),
        "outbox": list(OutboxMessage.objects.using("payments").order_by("event_id").values()),
    }


def concurrently(n: int, call: Callable[[], Any]) -> list[Any]:
    """Run ``call`` in ``n`` threads released together; results or raised exceptions."""
    barrier = threading.Barrier(n)
    outcomes: list[Any] = [None] * n

    def worker(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
