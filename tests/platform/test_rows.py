"""Rows written with a statement built once: the same rows and instances as ``save()``."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.platform.domains import app_database_aliases
from shop.platform.events.models import InboxMessage, OutboxMessage
from shop.platform.writes import insert, insert_all, update_fields

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def alias():
    return app_database_aliases()[0]


def outbox_message(alias, **fields):
    now = timezone.now()
    return OutboxMessage(
        event_id=uuid.uuid4(),
        name="Thing",
        version=1,
        producer=alias,
        payload={"order_id": "o-1", "lines": [{"sku": "A", "quantity": 2}]},
        occurred_at=now,
        next_attempt_at=now,
        **fields,
    )


def test_an_inserted_row_reads_back_as_saved_with_defaults_and_json(alias):
    message = outbox_message(alias, key="o-1")
    with transaction.atomic(using=alias):
        insert(message, using=alias)

    stored = OutboxMessage.objects.using(alias).get(pk=message.event_id)
    assert stored.payload == {"order_id": "o-1", "lines": [{"sku": "A", "quantity": 2}]}
    assert (stored.attempts, stored.last_error, stored.stream_pending, stored.key) == (
        0,
        "",
        False,
        "o-1",
    )
    assert message._state.adding is False
    assert message._state.db == alias


def test_generated_keys_and_auto_now_add_are_set_on_the_instances(alias):
    rows = [InboxMessage(event_id=uuid.uuid4(), subscriber="s", name="Thing") for _ in range(3)]
    insert_all(rows, using=alias)

    assert all(row.pk is not None and row.applied_at is not None for row in rows)
    stored = {
        row.pk: row.event_id
        for row in InboxMessage.objects.using(alias).filter(pk__in=[r.pk for r in rows])
    }
    assert stored == {row.pk: row.event_id for row in rows}


def test_a_refused_insert_rolls_its_transaction_back(alias):
    first = outbox_message(alias)
    insert(first, using=alias)
    repeated = outbox_message(alias)
    repeated.event_id = first.event_id
    other = outbox_message(alias)

    with pytest.raises(IntegrityError), transaction.atomic(using=alias):
        insert(other, using=alias)
        insert(repeated, using=alias)

    assert not OutboxMessage.objects.using(alias).filter(pk=other.event_id).exists()
    assert OutboxMessage.objects.using(alias).filter(pk=first.event_id).count() == 1


def test_update_fields_writes_only_the_named_columns(alias):
    message = outbox_message(alias, last_error="")
    insert(message, using=alias)
    message.attempts, message.last_error = 3, "boom"

    assert update_fields(message, ["attempts"], using=alias) == 1

    stored = OutboxMessage.objects.using(alias).get(pk=message.event_id)
    assert (stored.attempts, stored.last_error) == (3, "")
