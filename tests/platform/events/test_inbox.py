"""The inbox: each subscriber applies an event at most once, with its effect."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from shop.platform.events import publish, subscriber
from shop.platform.events.delivery import apply, deliver
from shop.platform.events.models import InboxMessage, OutboxMessage
from shop.platform.events.subscriptions import subscriptions_for
from tests.platform.events.scenario import ParcelPacked, effects, record_effect

pytestmark = pytest.mark.django_db(databases="__all__")


def published(**fields) -> OutboxMessage:
    with transaction.atomic(using="inventory"):
        event_id = publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1, **fields))
    return OutboxMessage.objects.using("inventory").get(event_id=event_id)


def test_an_event_delivered_twice_is_applied_once(recorders, worker_delivers_only):
    message = published()
    orders = next(s for s in subscriptions_for(message.name) if s.app == "orders")

    assert apply(orders, message) is True
    assert apply(orders, message) is False

    assert len(effects("orders")) == 1
    assert InboxMessage.objects.using("orders").filter(event_id=message.event_id).count() == 1


def test_a_handler_failing_midway_leaves_no_inbox_row_and_no_effect(
    recorders, worker_delivers_only
):
    @subscriber(ParcelPacked, app="orders")
    def half_done(event: ParcelPacked) -> None:
        record_effect("orders", event.parcel_id)
        raise ConnectionError("carrier API timed out")

    message = published()
    with transaction.atomic(using="inventory"):
        outcome = deliver("inventory", message)

    assert outcome == "retried"
    key = f"{half_done.__module__}.{half_done.__qualname__}"
    assert not InboxMessage.objects.using("orders").filter(subscriber=key).exists()
    # The recorder in orders applied it; the half-done effect was rolled back.
    assert len(effects("orders")) == 1
    assert len(effects("payments")) == 1
    message.refresh_from_db(using="inventory")
    assert message.attempts == 1
    assert message.last_error == "ConnectionError: carrier API timed out"
    assert message.delivered_at is None
    assert message.next_attempt_at > timezone.now()


def test_a_message_of_another_version_is_not_applied(recorders, worker_delivers_only):
    message = published()
    message.version = 2
    message.save(using="inventory", update_fields=["version"])

    with transaction.atomic(using="inventory"):
        deliver("inventory", message)

    message.refresh_from_db(using="inventory")
    assert "v1, not v2" in message.last_error
    assert effects("orders") == []
