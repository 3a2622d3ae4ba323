"""Concurrent reservations on real PostgreSQL: real threads, each with its own connection."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from contracts.inventory import InsufficientStock, StockLine
from shop.inventory.facade import InventoryFacade
from shop.inventory.models import Reservation, Stock

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]

inventory = InventoryFacade()


def run_together(tasks: list[Callable[[], object]]) -> list[object]:
    """Run every task in its own thread, released at the same instant; outcomes in order."""
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], object]) -> object:
        try:
            barrier.wait()
            return task()
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def test_the_last_units_go_to_exactly_as_many_buyers_as_there_are_units(make_product):
    make_product("LAST-TEN", stock=10)
    lowest_seen = []
    done = threading.Event()

    def watch() -> None:
        # Samples availability while the buyers race, to show it never dips below zero.
        try:
            while not done.is_set():
                stock = Stock.objects.get(product_id="LAST-TEN")
                lowest_seen.append(stock.available)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes = run_together(
            [
                lambda: inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("LAST-TEN", 1)])
                for _ in range(50)
            ]
        )
    finally:
        done.set()
        watcher.join()

    kinds = Counter(type(outcome).__name__ for outcome in outcomes)
    assert kinds == {"Reservation": 10, "InsufficientStock": 40}, outcomes
    assert all(o.skus == ("LAST-TEN",) for o in outcomes if isinstance(o, InsufficientStock))
    stock = Stock.objects.get(product_id="LAST-TEN")
    assert (stock.on_hand, stock.reserved, stock.available) == (10, 10, 0)
    assert Reservation.objects.count() == 10
    assert min(lowest_seen) >= 0


def test_orders_taking_the_same_skus_in_opposite_order_never_deadlock(make_product):
    make_product("SKU-A", stock=1000)
    make_product("SKU-B", stock=1000)
    forwards = [StockLine("SKU-A", 2), StockLine("SKU-B", 3)]
    backwards = list(reversed(forwards))
    kept = 0

    for _round in range(10):
        order_ids = [uuid.uuid4() for _ in range(8)]

        def reserve_then_maybe_release(index: int, order_id: uuid.UUID) -> object:
            inventory.reserve(order_id=order_id, lines=forwards if index % 2 else backwards)
            if index % 4 == 0:
                inventory.release(order_id=order_id)
            return None

        outcomes = run_together(
            [
                lambda i=i, order_id=order_id: reserve_then_maybe_release(i, order_id)
                for i, order_id in enumerate(order_ids)
            ]
        )
        assert outcomes == [None] * 8, outcomes
        kept += 6

    a, b = Stock.objects.get(product_id="SKU-A"), Stock.objects.get(product_id="SKU-B")
    assert (a.on_hand, a.reserved) == (1000, kept * 2)
    assert (b.on_hand, b.reserved) == (1000, kept * 3)


def test_concurrent_retries_of_one_order_reserve_once(make_product):
    make_product("TEE-BLACK-M", stock=100)
    order_id = uuid.uuid4()

    outcomes = run_together(
        [
            lambda: inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 3)])
            for _ in range(10)
        ]
    )

    assert len(set(outcomes)) == 1, outcomes
    assert Stock.objects.get(product_id="TEE-BLACK-M").reserved == 3
    assert Reservation.objects.filter(order_id=order_id).count() == 1
