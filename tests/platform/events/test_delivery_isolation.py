"""A subscriber runs outside the transaction that claims its outbox message."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connections, transaction

from shop.platform.events import publish, subscriber
from shop.platform.worker import Worker
from tests.platform.events.scenario import ParcelPacked, create_effects_tables, effects

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def seen_by_another_connection(app: str) -> int:
    """How many effects another process (here: another thread's connection) sees in ``app``."""
    seen: list[int] = []

    def count() -> None:
        try:
            seen.append(len(effects(app)))
        finally:
            connections.close_all()

    reader = threading.Thread(target=count)
    reader.start()
    reader.join(timeout=30)
    return seen[0]


def test_what_a_subscriber_commits_in_the_producers_database_is_committed_when_it_returns(
    worker_delivers_only,
):
    # As when an orders subscriber of a payments event calls payments.void: the change
    # it asks of the producer's app must commit then, not when the worker's batch ends
    # (holding the payment row locked meanwhile).
    create_effects_tables()
    visible_after_commit: list[int] = []

    @subscriber(ParcelPacked, app="orders")
    def ask_the_producer_for_a_change(event: ParcelPacked) -> None:
        with transaction.atomic(using="inventory"), connections["inventory"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO events_test_effect (subscriber, parcel_id, pid) VALUES (%s, %s, 0)",
                ["inventory", event.parcel_id],
            )
        visible_after_commit.append(seen_by_another_connection("inventory"))

    with transaction.atomic(using="inventory"):
        for _ in range(2):
            publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1))

    report = Worker(batch_size=10, jobs=[]).run_pass()

    assert report.deliveries.delivered == 2
    assert visible_after_commit == [1, 2]
