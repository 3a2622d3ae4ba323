"""What one order placement costs each database, in SQL statements (docs/benchmarks.md).

Every statement costs real CPU in Django; a change that adds one to the placement path
has to show up here and in the benchmark figures, not slip in unnoticed.
"""

from contextlib import ExitStack

import pytest
import redis.client
from django.db import connections
from django.test.utils import CaptureQueriesContext

from contracts.common import Money
from shop.orders.models import Order
from tests.e2e.conftest import client_for

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

# Transaction control (BEGIN, COMMIT) counts: each is a round trip too.
STATEMENTS_PER_PLACEMENT = {
    "default": 1,  # the token
    "inventory": 10,  # prices (1); reserve (7 with its transaction); hold (2)
    "orders": 10,  # key, order and lines (5); confirmation and its event (4); the answer
    "payments": 8,  # claim (1); the simulated provider's own bookkeeping (1); record (6)
}
# The throttle's counter, and the catalog's invalidation once the reservation committed.
# Prices are read from the database: the catalog cache is neither read nor filled.
REDIS_ROUND_TRIPS_PER_PLACEMENT = ["EVAL", "pipeline: SET SET SET"]


@pytest.fixture
def redis_round_trips(monkeypatch):
    sent: list[str] = []
    execute_command, execute_pipeline = (
        redis.client.Redis.execute_command,
        redis.client.Pipeline.execute,
    )

    def command(self, *args, **options):
        sent.append(str(args[0]))
        return execute_command(self, *args, **options)

    def pipeline(self, *args, **options):
        sent.append("pipeline: " + " ".join(str(c[0][0]) for c in self.command_stack))
        return execute_pipeline(self, *args, **options)

    monkeypatch.setattr(redis.client.Redis, "execute_command", command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", pipeline)
    return sent


def test_placing_an_order_costs_each_database_a_fixed_number_of_statements(
    catalog, settings, redis_round_trips
):
    # As in production, events wait in the outbox for the relay instead of being
    # delivered within the request.
    settings.SHOP_EVENTS_DELIVER_ON_COMMIT = False
    catalog.create_product(sku="MUG-WHITE", name="Mug", price=Money(900, "EUR"), stock=100)
    alice = client_for("alice")
    body = {
        "lines": [{"sku": "TEE-BLACK-M", "quantity": 1}, {"sku": "MUG-WHITE", "quantity": 1}],
        "payment_method": "pm_card_visa",
    }
    # The first request of a process does one-off work; the steady state is what counts.
    warm_up = alice.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="warm")
    assert warm_up.status_code == 201

    redis_round_trips.clear()
    with ExitStack() as stack:
        captured = {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in STATEMENTS_PER_PLACEMENT
        }
        response = alice.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="one")

    assert response.status_code == 201
    assert Order.objects.get(pk=response.json()["id"]).status == "confirmed"
    counted = {alias: len(queries) for alias, queries in captured.items()}
    assert counted == STATEMENTS_PER_PLACEMENT, {
        alias: [query["sql"][:80] for query in queries] for alias, queries in captured.items()
    }
    assert redis_round_trips == REDIS_ROUND_TRIPS_PER_PLACEMENT
