"""The admin shows each app database's outbox and re-drives parked messages."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from shop.platform.domains import app_database_aliases
from shop.platform.events import publish
from shop.platform.events.models import OutboxMessage
from tests.platform.events.scenario import ParcelPacked

pytestmark = pytest.mark.django_db(databases="__all__")


def parcel_messages(count: int) -> list[uuid.UUID]:
    with transaction.atomic(using="inventory"):
        return [publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=1)) for _ in range(count)]


OUTBOX = "/admin/events/outboxmessage/"


def test_every_app_database_has_an_outbox_page(admin_client):
    for alias in app_database_aliases():
        response = admin_client.get(f"{OUTBOX}?database={alias}")
        assert response.status_code == 200, alias
        assert f"{alias} outbox" in response.content.decode()


def test_each_outbox_page_lists_only_its_database(admin_client, worker_delivers_only):
    [in_inventory] = parcel_messages(1)

    assert str(in_inventory) in admin_client.get(f"{OUTBOX}?database=inventory").content.decode()
    assert str(in_inventory) not in admin_client.get(f"{OUTBOX}?database=orders").content.decode()


def test_an_unknown_database_shows_the_first_outbox(admin_client):
    response = admin_client.get(f"{OUTBOX}?database=nowhere")

    assert response.status_code == 200
    assert f"{app_database_aliases()[0]} outbox" in response.content.decode()


def test_the_state_filter_finds_parked_messages(admin_client, worker_delivers_only):
    parked, pending = parcel_messages(2)
    OutboxMessage.objects.using("inventory").filter(event_id=parked).update(
        parked_at=timezone.now(), attempts=8, last_error="ValueError: nope"
    )

    page = admin_client.get(f"{OUTBOX}?database=inventory&state=parked").content.decode()
    assert str(parked) in page
    assert str(pending) not in page


def test_redrive_resets_only_parked_messages(admin_client, worker_delivers_only):
    parked, delivered = parcel_messages(2)
    outbox = OutboxMessage.objects.using("inventory")
    outbox.filter(event_id=parked).update(parked_at=timezone.now(), attempts=8)
    outbox.filter(event_id=delivered).update(delivered_at=timezone.now(), attempts=2)

    before = timezone.now()
    response = admin_client.post(
        f"{OUTBOX}?database=inventory",
        {"action": "redrive_parked", "_selected_action": [str(parked), str(delivered)]},
    )

    assert response.status_code == 302
    redriven = outbox.get(event_id=parked)
    assert (redriven.attempts, redriven.parked_at) == (0, None)
    assert redriven.next_attempt_at >= before
    assert outbox.get(event_id=delivered).attempts == 2


def test_a_message_is_shown_read_only(admin_client, worker_delivers_only):
    [event_id] = parcel_messages(1)

    page = admin_client.get(f"{OUTBOX}{event_id}/change/")

    assert page.status_code == 200
    assert "testing.parcel_packed" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def orders_outbox_message(**fields) -> OutboxMessage:
    """A message in the orders database's outbox (not the first app database's)."""
    now = timezone.now()
    return OutboxMessage.objects.using("orders").create(
        event_id=uuid.uuid4(),
        name="testing.order_noted",
        version=1,
        producer="orders",
        payload={"order_id": str(uuid.uuid4())},
        occurred_at=now,
        next_attempt_at=now,
        **fields,
    )


def test_the_page_title_names_the_database_it_shows(admin_client):
    # Every database's name is in the filter too: only the title tells which is shown.
    for requested, shown in [(alias, alias) for alias in app_database_aliases()] + [
        ("nowhere", app_database_aliases()[0])
    ]:
        page = admin_client.get(f"{OUTBOX}?database={requested}").content.decode()
        assert f"<h1>{shown} outbox</h1>" in page, requested


def test_redrive_acts_on_the_database_the_list_shows(admin_client):
    parked = orders_outbox_message(parked_at=timezone.now(), attempts=8)

    response = admin_client.post(
        f"{OUTBOX}?database=orders",
        {"action": "redrive_parked", "_selected_action": [str(parked.event_id)]},
    )

    assert response.status_code == 302
    redriven = OutboxMessage.objects.using("orders").get(event_id=parked.event_id)
    assert (redriven.attempts, redriven.parked_at) == (0, None)


def test_a_message_is_found_in_whichever_database_holds_it(admin_client):
    message = orders_outbox_message()

    found = admin_client.get(f"{OUTBOX}{message.event_id}/change/")
    not_an_id = admin_client.get(f"{OUTBOX}not-a-uuid/change/")

    assert found.status_code == 200
    assert "testing.order_noted" in found.content.decode()
    assert not_an_id.status_code == 302  # the admin's "does not exist", back to the list
