"""Rows written with a statement built once: the same rows and instances as ``save()``."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.platform.domains import app_database_aliases
from shop.platform.events.models import InboxMessage, OutboxMessage
from shop.platform.rows import insert, insert_all, select, update, update_fields

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


def test_a_refused_insert_raises_and_its_transaction_keeps_nothing(alias):
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


def test_select_reads_instances_as_the_orm_does(alias):
    messages = [outbox_message(alias, key=f"o-{n}") for n in range(3)]
    insert_all(messages, using=alias)
    wanted = [messages[0].event_id, messages[2].event_id]

    with transaction.atomic(using=alias):
        found = select(OutboxMessage, {"event_id__in": wanted}, using=alias, for_update=True)

    assert sorted(m.event_id for m in found) == sorted(wanted)
    via_orm = {m.event_id: m for m in OutboxMessage.objects.using(alias).filter(pk__in=wanted)}
    for message in found:
        expected = via_orm[message.event_id]
        assert [getattr(message, f.attname) for f in OutboxMessage._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in OutboxMessage._meta.concrete_fields
        ]
        assert message._state.adding is False
        assert message._state.db == alias


def test_update_changes_only_the_matching_rows(alias):
    first, second = outbox_message(alias, key="a"), outbox_message(alias, key="b")
    insert_all([first, second], using=alias)

    updated = update(
        OutboxMessage,
        {"attempts": 2, "payload": {"order_id": "changed"}},
        where={"event_id": first.event_id, "key__in": ["a", "z"]},
        using=alias,
    )
    missed = update(
        OutboxMessage, {"attempts": 9}, where={"event_id": second.event_id, "key": "a"}, using=alias
    )

    assert (updated, missed) == (1, 0)
    stored = {m.key: m for m in OutboxMessage.objects.using(alias).filter(key__in=["a", "b"])}
    assert (stored["a"].attempts, stored["a"].payload) == (2, {"order_id": "changed"})
    assert stored["b"].attempts == 0


def test_an_empty_in_matches_nothing_as_in_the_orm(alias):
    insert(outbox_message(alias), using=alias)

    assert select(OutboxMessage, {"event_id__in": []}, using=alias) == []
    assert update(OutboxMessage, {"attempts": 5}, where={"key__in": []}, using=alias) == 0
    assert not OutboxMessage.objects.using(alias).filter(attempts=5).exists()
