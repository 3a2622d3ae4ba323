"""The relay and the in-process delivery work on the same outbox rows at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest
from django.db import transaction

from shop.platform.events import publish
from shop.platform.events.delivery import Outcome, claim, deliver
from shop.platform.events.models import OutboxMessage
from shop.platform.events.relay import relay_batch
from tests.platform.events.scenario import ParcelPacked

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


class RecordingBroker:
    """Acknowledges every message it is given, and remembers them."""

    def __init__(self) -> None:
        self.published: list[uuid.UUID] = []

    def publish(self, messages: Sequence[OutboxMessage]) -> set[uuid.UUID]:
        self.published += [message.event_id for message in messages]
        return {message.event_id for message in messages}

    def consumer(self, *, group: str, topics: Sequence[str]):  # pragma: no cover
        raise NotImplementedError


def test_a_delivery_finishing_after_the_relay_leaves_the_event_published_once(
    settings, recorders, worker_delivers_only
):
    settings.EVENTS_BROKER = "kafka://broker.invalid:9092"
    broker = RecordingBroker()
    with transaction.atomic(using="inventory"):
        event_id = publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=700))
    # The producer's process claims it on commit; the worker's relay publishes it meanwhile.
    [claimed] = claim("inventory", batch_size=1, event_id=event_id)
    assert relay_batch("inventory", broker, batch_size=10) == 1

    assert deliver("inventory", claimed) is Outcome.DELIVERED

    assert not OutboxMessage.objects.using("inventory").get(pk=event_id).stream_pending
    assert relay_batch("inventory", broker, batch_size=10) == 0
    assert broker.published == [event_id]
