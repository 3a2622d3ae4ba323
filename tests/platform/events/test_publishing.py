"""publish: the event commits or rolls back with the change it reports."""

from __future__ import annotations

import uuid

import pytest
from django.db import connections, transaction

from contracts.inventory import StockLow
from shop.platform.events import EventPublishedOutsideTransaction, publish
from shop.platform.events.codec import PayloadError
from shop.platform.events.models import OutboxMessage
from shop.platform.events.publishing import producer_of
from tests.platform.events.scenario import EFFECTS_TABLE, ParcelPacked, effects

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def pack_parcel(parcel_id: uuid.UUID) -> None:
    """A state change of inventory's that reports itself as an event."""
    with connections["inventory"].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EFFECTS_TABLE} (subscriber, parcel_id, pid) VALUES ('packing', %s, 0)",
            [parcel_id],
        )
    publish(ParcelPacked(parcel_id=parcel_id, weight_grams=1200))


def outbox(alias: str = "inventory"):
    return OutboxMessage.objects.using(alias)


def test_a_change_and_its_event_commit_together(recorders, worker_delivers_only):
    parcel_id = uuid.uuid4()

    with transaction.atomic(using="inventory"):
        pack_parcel(parcel_id)

    assert [p for p, _ in effects("inventory")] == [parcel_id]
    message = outbox().get()
    assert message.payload == {"parcel_id": str(parcel_id), "weight_grams": 1200}
    assert (message.name, message.version, message.producer) == (
        "testing.parcel_packed",
        1,
        "inventory",
    )
    assert message.delivered_at is None


def test_a_change_and_its_event_roll_back_together(recorders, worker_delivers_only):
    with (
        pytest.raises(RuntimeError, match="label printer jammed"),
        transaction.atomic(using="inventory"),
    ):
        pack_parcel(uuid.uuid4())
        raise RuntimeError("label printer jammed")

    assert effects("inventory") == []
    assert not outbox().exists()


def test_publishing_outside_a_transaction_is_refused(recorders):
    with pytest.raises(EventPublishedOutsideTransaction, match="'inventory' database"):
        publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1))

    assert not outbox().exists()


def test_a_transaction_on_another_apps_database_does_not_count(recorders):
    with (
        pytest.raises(EventPublishedOutsideTransaction),
        transaction.atomic(using="orders"),
    ):
        publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1))

    assert not outbox("inventory").exists()
    assert not outbox("orders").exists()


def test_an_event_that_would_not_decode_is_refused_at_the_producer(recorders):
    with pytest.raises(PayloadError), transaction.atomic(using="inventory"):
        publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams="heavy"))

    assert not outbox().exists()


def test_the_producer_is_the_contract_module_unless_the_event_names_one():
    assert producer_of(StockLow) == "inventory"
    assert producer_of(ParcelPacked) == "inventory"

    class Unplaced(ParcelPacked):
        producer = "warehouse"

    with pytest.raises(TypeError, match="'warehouse' is not an app database"):
        producer_of(Unplaced)


def test_delivery_after_commit_applies_the_event_in_process(recorders, settings):
    settings.SHOP_EVENTS_DELIVER_ON_COMMIT = True
    parcel_id = uuid.uuid4()

    with transaction.atomic(using="inventory"):
        publish(ParcelPacked(parcel_id=parcel_id, weight_grams=1))

    assert [p for p, _ in effects("orders")] == [parcel_id]
    assert [p for p, _ in effects("payments")] == [parcel_id]
    assert outbox().get().delivered_at is not None
