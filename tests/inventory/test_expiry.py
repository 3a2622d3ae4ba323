"""Reservations past their expiry are released by the expiry service, its job and command."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, transaction
from django.utils import timezone

from contracts.inventory import ReservationClosed, ReservationNotFound, ReservationState, StockLine
from shop.inventory import services
from shop.inventory.facade import InventoryFacade
from shop.inventory.models import Reservation, Stock
from shop.platform.events.models import OutboxMessage
from shop.platform.schedule import periodic_jobs

inventory = InventoryFacade()


def reserve(quantity: int, *, ttl: timedelta) -> uuid.UUID:
    order_id = uuid.uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", quantity)], ttl=ttl)
    return order_id


def reserved() -> int:
    return Stock.objects.get(product_id="TEE-BLACK-M").reserved


def expire(*order_ids: uuid.UUID) -> None:
    Reservation.objects.filter(order_id__in=order_ids).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.mark.django_db(databases="__all__")
def test_an_expired_reservation_gives_its_stock_back(make_product):
    make_product("TEE-BLACK-M", stock=10)
    expired = reserve(3, ttl=timedelta(minutes=15))
    current = reserve(2, ttl=timedelta(minutes=15))
    expire(expired)

    assert services.release_expired_reservations() == 1

    assert reserved() == 2
    assert inventory.get_reservation(order_id=expired).state is ReservationState.EXPIRED
    assert inventory.get_reservation(order_id=current).state is ReservationState.RESERVED
    [event] = OutboxMessage.objects.using("inventory").filter(name="inventory.stock_released")
    assert event.payload["order_id"] == str(expired)
    assert event.payload["reason"] == "expired"
    assert event.payload["lines"] == [{"sku": "TEE-BLACK-M", "quantity": 3}]
    assert services.release_expired_reservations() == 0


@pytest.mark.django_db(databases="__all__")
def test_the_ttl_sets_the_expiry(make_product):
    make_product("TEE-BLACK-M", stock=10)
    before = timezone.now()

    short = inventory.reserve(
        order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 1)], ttl=timedelta(seconds=30)
    )
    default = inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 1)])

    assert before + timedelta(seconds=30) <= short.expires_at < before + timedelta(seconds=35)
    assert before + timedelta(minutes=15) <= default.expires_at < before + timedelta(minutes=16)
    assert services.release_expired_reservations(now=before + timedelta(minutes=1)) == 1
    assert services.release_expired_reservations(now=before + timedelta(minutes=16)) == 1
    assert reserved() == 0


@pytest.mark.django_db(databases="__all__")
def test_an_expired_reservation_is_closed_but_releasing_it_again_is_harmless(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = reserve(3, ttl=timedelta(minutes=1))
    expire(order_id)
    services.release_expired_reservations()

    with pytest.raises(ReservationClosed):
        inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 3)])
    with pytest.raises(ReservationClosed):
        inventory.commit(order_id=order_id)
    assert inventory.release(order_id=order_id).state is ReservationState.EXPIRED
    assert reserved() == 0


@pytest.mark.django_db(databases="__all__")
def test_a_reservation_committed_before_the_sweep_stays_sold(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = reserve(3, ttl=timedelta(minutes=1))
    expire(order_id)
    inventory.commit(order_id=order_id)

    assert services.release_expired_reservations() == 0
    stock = Stock.objects.get(product_id="TEE-BLACK-M")
    assert (stock.on_hand, stock.reserved) == (7, 0)


@pytest.mark.django_db(databases="__all__")
def test_the_worker_runs_the_expiry_job(make_product):
    make_product("TEE-BLACK-M", stock=200)
    order_ids = [reserve(1, ttl=timedelta(minutes=1)) for _ in range(120)]
    expire(*order_ids)

    [job] = [job for job in periodic_jobs() if job.name == "inventory.release_expired_reservations"]

    assert job.every <= timedelta(minutes=1)
    assert job.run() == 120
    assert reserved() == 0


@pytest.mark.django_db(databases="__all__")
def test_the_command_releases_expired_reservations_and_reports_progress(make_product, capsys):
    make_product("TEE-BLACK-M", stock=10)
    order_ids = [reserve(1, ttl=timedelta(minutes=1)) for _ in range(5)]
    expire(*order_ids)

    call_command("release_expired_reservations", "--batch-size", "2")

    output = capsys.readouterr().out
    assert "released 2 expired reservations (2 so far)" in output
    assert "Released 5 expired reservations." in output
    assert reserved() == 0


def test_the_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("release_expired_reservations", "--batch-size", "0")


@pytest.mark.slow
@pytest.mark.django_db(databases="__all__", transaction=True)
def test_workers_skip_reservations_another_worker_holds(make_product):
    make_product("TEE-BLACK-M", stock=10)
    held, free = reserve(2, ttl=timedelta(minutes=1)), reserve(3, ttl=timedelta(minutes=1))
    expire(held, free)
    locked, finish = threading.Event(), threading.Event()

    def other_worker() -> None:
        # Holds the lock on one expired reservation, as a worker mid-batch would.
        try:
            with transaction.atomic(using="inventory"):
                Reservation.objects.select_for_update().get(order_id=held)
                locked.set()
                finish.wait(timeout=10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        assert services.release_expired_reservations() == 1
    finally:
        finish.set()
        thread.join()

    assert inventory.get_reservation(order_id=free).state is ReservationState.EXPIRED
    assert inventory.get_reservation(order_id=held).state is ReservationState.RESERVED
    assert reserved() == 2
    assert services.release_expired_reservations() == 1
    assert reserved() == 0


@pytest.mark.django_db(databases="__all__")
def test_a_held_reservation_outlives_its_expiry_until_committed(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = reserve(3, ttl=timedelta(minutes=15))

    held = inventory.hold(order_id=order_id)
    assert inventory.hold(order_id=order_id) == held

    assert held.expires_at is None
    assert services.release_expired_reservations(now=timezone.now() + timedelta(days=30)) == 0
    assert reserved() == 3
    assert inventory.commit(order_id=order_id).state is ReservationState.COMMITTED


@pytest.mark.django_db(databases="__all__")
def test_an_expired_reservation_cannot_be_held(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = reserve(3, ttl=timedelta(minutes=15))
    expire(order_id)
    services.release_expired_reservations()

    with pytest.raises(ReservationClosed):
        inventory.hold(order_id=order_id)
    with pytest.raises(ReservationNotFound):
        inventory.hold(order_id=uuid.uuid4())
    assert reserved() == 0
