"""Reserving, committing and releasing stock through the inventory contract."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from prometheus_client import REGISTRY

from contracts.inventory import (
    InsufficientStock,
    ReservationClosed,
    ReservationNotFound,
    ReservationState,
    StockLine,
    UnknownProducts,
)
from shop.inventory.facade import InventoryFacade
from shop.inventory.models import Reservation, Stock
from shop.platform.events.models import OutboxMessage

pytestmark = pytest.mark.django_db(databases="__all__")

inventory = InventoryFacade()


def stock_of(sku: str) -> tuple[int, int]:
    stock = Stock.objects.get(product_id=sku)
    return stock.on_hand, stock.reserved


def stockouts() -> float:
    return REGISTRY.get_sample_value("shop_stockouts_total") or 0.0


def events(name: str) -> list[dict]:
    return list(
        OutboxMessage.objects.using("inventory")
        .filter(name=name)
        .order_by("occurred_at")
        .values_list("payload", flat=True)
    )


def test_reserving_holds_every_line_and_reports_it(make_product):
    make_product("TEE-BLACK-M", stock=10)
    make_product("CAP-NAVY", stock=5)
    order_id = uuid.uuid4()

    reservation = inventory.reserve(
        order_id=order_id,
        lines=[StockLine("TEE-BLACK-M", 2), StockLine("CAP-NAVY", 1)],
        ttl=timedelta(minutes=5),
    )

    assert reservation.state is ReservationState.RESERVED
    assert reservation.lines == (StockLine("CAP-NAVY", 1), StockLine("TEE-BLACK-M", 2))
    assert stock_of("TEE-BLACK-M") == (10, 2)
    assert stock_of("CAP-NAVY") == (5, 1)
    assert inventory.get_products(skus=["TEE-BLACK-M"])["TEE-BLACK-M"].available == 8
    [reserved] = events("inventory.stock_reserved")
    assert reserved["order_id"] == str(order_id)
    assert reserved["lines"] == [
        {"sku": "CAP-NAVY", "quantity": 1},
        {"sku": "TEE-BLACK-M", "quantity": 2},
    ]
    assert inventory.get_reservation(order_id=order_id) == reservation


def test_a_short_line_reserves_nothing_and_names_every_short_sku(make_product):
    make_product("TEE-BLACK-M", stock=10)
    make_product("CAP-NAVY", stock=1)
    make_product("MUG-LOGO", stock=0)
    order_id = uuid.uuid4()
    stockouts_before = stockouts()

    with pytest.raises(InsufficientStock) as raised:
        inventory.reserve(
            order_id=order_id,
            lines=[
                StockLine("TEE-BLACK-M", 3),
                StockLine("MUG-LOGO", 1),
                StockLine("CAP-NAVY", 2),
            ],
        )

    assert raised.value.skus == ("CAP-NAVY", "MUG-LOGO")
    assert stockouts() == stockouts_before + 1
    assert stock_of("TEE-BLACK-M") == (10, 0)
    assert inventory.get_reservation(order_id=order_id) is None
    assert events("inventory.stock_reserved") == []


def test_unknown_and_inactive_skus_reserve_nothing(make_product):
    make_product("TEE-BLACK-M", stock=10)
    make_product("OLD-TEE", stock=10, active=False)

    with pytest.raises(UnknownProducts) as unknown:
        inventory.reserve(
            order_id=uuid.uuid4(),
            lines=[StockLine("TEE-BLACK-M", 1), StockLine("NO-SUCH-SKU", 1)],
        )
    with pytest.raises(UnknownProducts) as inactive:
        inventory.reserve(
            order_id=uuid.uuid4(),
            lines=[StockLine("TEE-BLACK-M", 1), StockLine("OLD-TEE", 1)],
        )

    assert unknown.value.skus == ("NO-SUCH-SKU",)
    assert inactive.value.skus == ("OLD-TEE",)
    assert stock_of("TEE-BLACK-M") == (10, 0)
    assert stock_of("OLD-TEE") == (10, 0)
    assert inventory.get_products(skus=["TEE-BLACK-M", "OLD-TEE", "NO-SUCH-SKU"]).keys() == {
        "TEE-BLACK-M"
    }


def test_reserving_twice_for_one_order_reserves_once(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = uuid.uuid4()

    first = inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 3)])
    again = inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 3)])

    assert again == first
    assert stock_of("TEE-BLACK-M") == (10, 3)
    assert Reservation.objects.filter(order_id=order_id).count() == 1
    assert len(events("inventory.stock_reserved")) == 1


def test_committing_twice_takes_the_units_off_hand_once(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = uuid.uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 3)])

    first = inventory.commit(order_id=order_id)
    again = inventory.commit(order_id=order_id)

    assert first.state is again.state is ReservationState.COMMITTED
    assert stock_of("TEE-BLACK-M") == (7, 0)
    [committed] = events("inventory.stock_committed")
    assert committed["lines"] == [{"sku": "TEE-BLACK-M", "quantity": 3}]
    # A committed order's reservation is still the answer to a repeated reserve.
    assert inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 3)]) == again


def test_releasing_twice_gives_the_units_back_once(make_product):
    make_product("TEE-BLACK-M", stock=10)
    order_id = uuid.uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 4)])

    first = inventory.release(order_id=order_id)
    again = inventory.release(order_id=order_id)

    assert first.state is again.state is ReservationState.RELEASED
    assert stock_of("TEE-BLACK-M") == (10, 0)
    [released] = events("inventory.stock_released")
    assert released["reason"] == "released"


def test_releasing_an_order_that_reserved_nothing_answers_none(make_product):
    assert inventory.release(order_id=uuid.uuid4()) is None
    assert events("inventory.stock_released") == []


def test_a_closed_reservation_cannot_be_reserved_again_or_change_its_outcome(make_product):
    make_product("TEE-BLACK-M", stock=10)
    released, committed = uuid.uuid4(), uuid.uuid4()
    for order_id in (released, committed):
        inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 1)])
    inventory.release(order_id=released)
    inventory.commit(order_id=committed)

    with pytest.raises(ReservationClosed) as reserve_again:
        inventory.reserve(order_id=released, lines=[StockLine("TEE-BLACK-M", 1)])
    with pytest.raises(ReservationClosed):
        inventory.commit(order_id=released)
    with pytest.raises(ReservationClosed):
        inventory.release(order_id=committed)

    assert reserve_again.value.state is ReservationState.RELEASED
    assert stock_of("TEE-BLACK-M") == (9, 0)


def test_committing_an_unknown_reservation_is_an_error():
    with pytest.raises(ReservationNotFound):
        inventory.commit(order_id=uuid.uuid4())


def test_stock_low_is_published_once_when_available_falls_below_the_threshold(make_product):
    make_product("TEE-BLACK-M", stock=7, low_stock_threshold=5)

    inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 2)])  # 5 left
    assert events("inventory.stock_low") == []
    inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 1)])  # 4 left
    inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 1)])  # 3 left

    assert events("inventory.stock_low") == [{"sku": "TEE-BLACK-M", "available": 4, "threshold": 5}]


def test_the_database_refuses_stock_below_zero_available(make_product):
    make_product("TEE-BLACK-M", stock=1)

    with pytest.raises(IntegrityError), transaction.atomic(using="inventory"):
        Stock.objects.filter(product_id="TEE-BLACK-M").update(reserved=F("on_hand") + 1)
    with pytest.raises(IntegrityError), transaction.atomic(using="inventory"):
        Stock.objects.filter(product_id="TEE-BLACK-M").update(reserved=-1)


@pytest.mark.parametrize(
    "lines",
    [[], [StockLine("TEE-BLACK-M", 0)], [StockLine("TEE-BLACK-M", 1), StockLine("TEE-BLACK-M", 1)]],
    ids=["no lines", "zero quantity", "duplicate sku"],
)
def test_malformed_lines_are_refused_before_touching_stock(make_product, lines):
    make_product("TEE-BLACK-M", stock=10)

    with pytest.raises(ValueError):
        inventory.reserve(order_id=uuid.uuid4(), lines=lines)

    assert stock_of("TEE-BLACK-M") == (10, 0)


def test_reserving_takes_a_fixed_small_number_of_queries(
    make_product, django_assert_max_num_queries
):
    make_product("TEE-BLACK-M", stock=10)
    make_product("CAP-NAVY", stock=10)
    lines = [StockLine("TEE-BLACK-M", 1), StockLine("CAP-NAVY", 1)]

    # insert reservation, one UPDATE per line, one read for the low-stock check,
    # insert lines, insert the event, plus the savepoint around it in a test.
    with django_assert_max_num_queries(8, using="inventory") as captured:
        inventory.reserve(order_id=uuid.uuid4(), lines=lines)

    assert not any(q["sql"].startswith("SELECT") for q in captured.captured_queries[:4])
