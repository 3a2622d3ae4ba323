"""A record on a topic that is not an event envelope is skipped, and the group moves on."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import pytest
from django.utils import timezone

from shop.platform.events.broker import ReceivedEvent, Undecodable
from shop.platform.events.consumers import AppConsumer, apply_redriven, redrive_parked
from shop.platform.events.delivery import backoff
from shop.platform.events.models import ParkedConsumerMessage
from shop.platform.events.subscriptions import subscriber
from tests.platform.events.scenario import ParcelPacked, effects

TOPIC = "shop.events.inventory"


def envelope_of(parcel_id: uuid.UUID) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "name": ParcelPacked.name,
            "version": 1,
            "occurred_at": timezone.now().isoformat(),
            "producer": "inventory",
            "traceparent": "",
            "payload": {"parcel_id": str(parcel_id), "weight_grams": 1},
        }
    ).encode()


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b"[1, 2]",
        b'"a string"',
        json.dumps({"event_id": str(uuid.uuid4())}).encode(),
        # A field of the wrong type must not escape as another error: the record would
        # never be skipped, and its partition would stop for good.
        json.dumps({**json.loads(envelope_of(uuid.uuid4())), "event_id": 123}).encode(),
    ],
)
def test_a_value_that_is_not_an_envelope_is_a_value_error(value):
    with pytest.raises(ValueError):
        ReceivedEvent.from_envelope(value, traceparent=None, topic=TOPIC, partition=0, offset="7")


def test_the_traceparent_header_wins_over_the_body():
    received = ReceivedEvent.from_envelope(
        envelope_of(uuid.uuid4()), traceparent="00-header", topic=TOPIC, partition=3, offset="7"
    )

    assert (received.traceparent, received.partition, received.offset) == ("00-header", 3, "7")


class ScriptedReader:
    """Gives out the records it was handed once, and records commits."""

    def __init__(self, records: Sequence[ReceivedEvent | Undecodable]) -> None:
        self.records = list(records)
        self.commits = 0

    def receive(self, *, max_messages: int, timeout: float) -> list[ReceivedEvent | Undecodable]:
        records, self.records = self.records, []
        return records

    def commit(self) -> None:
        self.commits += 1

    def rewind(self) -> None:  # pragma: no cover
        raise AssertionError("nothing failed: no rewind")

    def lag(self) -> dict[str, int]:
        return {}

    def close(self) -> None:
        pass


class ScriptedBroker:
    def __init__(self, reader: ScriptedReader) -> None:
        self.reader = reader

    def publish(self, messages):  # pragma: no cover
        raise NotImplementedError

    def consumer(self, *, group: str, topics: Sequence[str]) -> ScriptedReader:
        return self.reader


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_an_undecodable_record_is_skipped_and_the_events_after_it_applied(recorders):
    parcel_id = uuid.uuid4()
    event = ReceivedEvent.from_envelope(
        envelope_of(parcel_id), traceparent=None, topic=TOPIC, partition=0, offset="2"
    )
    reader = ScriptedReader(
        [Undecodable(topic=TOPIC, partition=0, offset="1", error="not an event envelope"), event]
    )
    consumer = AppConsumer(ScriptedBroker(reader), app="orders", producers=["inventory"])

    counts = consumer.run_once(max_messages=10, timeout=0.1)

    assert (counts.applied, counts.parked) == (1, 0)
    assert [applied for applied, _ in effects("orders")] == [parcel_id]
    assert reader.commits == 1


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_parked_event_is_applied_once_after_a_redrive(settings, monkeypatch):
    settings.SHOP_EVENTS_CONSUMER_ATTEMPTS = 2
    monkeypatch.setattr("shop.platform.events.consumers.retry_wait", lambda attempt: 0)
    carrier = {"up": False}
    applied: list[uuid.UUID] = []

    @subscriber(ParcelPacked, app="orders")
    def book_courier(event: ParcelPacked) -> None:
        if not carrier["up"]:
            raise ConnectionError("courier API refuses parcel")
        applied.append(event.parcel_id)

    parcel_id = uuid.uuid4()
    event = ReceivedEvent.from_envelope(
        envelope_of(parcel_id), traceparent="00-trace", topic=TOPIC, partition=0, offset="5"
    )
    consumer = AppConsumer(
        ScriptedBroker(ScriptedReader([event])), app="orders", producers=["inventory"]
    )

    assert consumer.run_once(max_messages=10, timeout=0.1).parked == 1
    parked = ParkedConsumerMessage.objects.using("orders").get()
    assert (parked.event_id, parked.attempts, parked.offset) == (event.event_id, 2, "5")
    assert apply_redriven("orders", group=consumer.group) == 0  # not re-driven yet

    carrier["up"] = True
    assert redrive_parked("orders", [parked.pk]) == 1
    assert apply_redriven("orders", group=consumer.group) == 1
    assert apply_redriven("orders", group=consumer.group) == 0

    assert applied == [parcel_id]
    parked.refresh_from_db()
    assert parked.applied_at is not None


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_redriven_event_that_fails_again_waits_as_an_outbox_delivery_would(settings, monkeypatch):
    settings.SHOP_EVENTS_CONSUMER_ATTEMPTS = 3
    monkeypatch.setattr("shop.platform.events.consumers.retry_wait", lambda attempt: 0)
    tried: list[uuid.UUID] = []

    @subscriber(ParcelPacked, app="orders")
    def book_courier(event: ParcelPacked) -> None:
        tried.append(event.parcel_id)
        raise ConnectionError("courier API refuses parcel")

    event = ReceivedEvent.from_envelope(
        envelope_of(uuid.uuid4()), traceparent=None, topic=TOPIC, partition=0, offset="9"
    )
    consumer = AppConsumer(
        ScriptedBroker(ScriptedReader([event])), app="orders", producers=["inventory"]
    )
    consumer.run_once(max_messages=10, timeout=0.1)
    parked = ParkedConsumerMessage.objects.using("orders").get()
    redrive_parked("orders", [parked.pk])
    tried.clear()

    for attempt in (1, 2):
        before = timezone.now()
        assert apply_redriven("orders", group=consumer.group) == 0
        parked.refresh_from_db()
        assert (len(tried), parked.attempts) == (attempt, attempt)
        assert (
            before + backoff(attempt) <= parked.next_attempt_at <= timezone.now() + backoff(attempt)
        )
        # Not due yet: the next passes leave it alone, however often they come.
        assert apply_redriven("orders", group=consumer.group) == 0
        assert len(tried) == attempt
        ParkedConsumerMessage.objects.using("orders").update(next_attempt_at=timezone.now())

    assert apply_redriven("orders", group=consumer.group) == 0
    parked.refresh_from_db()
    assert parked.attempts == 3
    assert parked.parked_at is not None  # parked again after its attempts: it waits for a re-drive

    assert redrive_parked("orders", [parked.pk]) == 1
    parked.refresh_from_db()
    assert (parked.attempts, parked.next_attempt_at) == (0, None)  # due at once
