"""contracts.inventory.InventoryService, as every binding of it keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from contracts.common import Money
from contracts.inventory import (
    InsufficientStock,
    InventoryService,
    ProductAlreadyExists,
    ReservationClosed,
    ReservationNotFound,
    ReservationState,
    StockLine,
    UnknownProducts,
)
from shop.platform.bindings import bound
from shop.platform.rpc.conf import client_path
from tests.contracts.conftest import BINDINGS, bind
from tests.orders import fakes

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(params=BINDINGS)
def inventory(request, settings) -> InventoryService:
    fakes.INVENTORY = fakes.FakeInventory()
    bind(
        request,
        settings,
        contract="contracts.inventory.InventoryService",
        client=client_path("contracts.inventory.InventoryService"),
        url_setting="INVENTORY_SERVICE_URL",
        fake="tests.orders.fakes.INVENTORY",
    )
    service = bound(InventoryService)
    service.create_product(sku="TEE-BLACK-M", name="T-shirt", price=Money(1990, "EUR"), stock=10)
    service.create_product(sku="MUG-WHITE", name="Mug", price=Money(500, "JPY"), stock=3)
    return service


def available(inventory: InventoryService, sku: str) -> int:
    return inventory.get_products(skus=[sku])[sku].available


def test_products_come_back_by_sku_with_their_exact_price(inventory):
    products = inventory.get_products(skus=["MUG-WHITE", "TEE-BLACK-M", "NO-SUCH-SKU"])

    assert set(products) == {"MUG-WHITE", "TEE-BLACK-M"}
    assert products["TEE-BLACK-M"].price == Money(1990, "EUR")
    assert products["MUG-WHITE"].price == Money(500, "JPY")
    assert products["MUG-WHITE"].available == 3
    assert products["MUG-WHITE"].active is True


def test_a_product_cannot_be_created_twice(inventory):
    with pytest.raises(ProductAlreadyExists) as refused:
        inventory.create_product(sku="MUG-WHITE", name="Mug", price=Money(1, "EUR"), stock=1)

    assert refused.value.sku == "MUG-WHITE"


def test_a_reservation_holds_every_line_until_it_expires(inventory):
    order_id = uuid4()
    lines = [StockLine("TEE-BLACK-M", 2), StockLine("MUG-WHITE", 3)]
    before = datetime.now(UTC)

    reservation = inventory.reserve(order_id=order_id, lines=lines, ttl=timedelta(minutes=5))

    assert reservation.order_id == order_id
    assert reservation.state == ReservationState.RESERVED
    assert sorted(reservation.lines, key=str) == sorted(lines, key=str)
    assert isinstance(reservation.lines, tuple)
    assert before + timedelta(minutes=4) < reservation.expires_at < before + timedelta(minutes=6)
    assert available(inventory, "TEE-BLACK-M") == 8
    assert available(inventory, "MUG-WHITE") == 0
    assert inventory.get_reservation(order_id=order_id) == reservation


def test_reserving_again_for_the_same_order_takes_nothing_more(inventory):
    order_id = uuid4()
    first = inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 4)])

    again = inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 4)])

    assert again == first
    assert available(inventory, "TEE-BLACK-M") == 6


def test_a_short_line_reserves_nothing_and_names_the_short_skus(inventory):
    order_id = uuid4()

    with pytest.raises(InsufficientStock) as short:
        inventory.reserve(
            order_id=order_id, lines=[StockLine("TEE-BLACK-M", 1), StockLine("MUG-WHITE", 4)]
        )

    assert short.value.skus == ("MUG-WHITE",)
    assert available(inventory, "TEE-BLACK-M") == 10
    assert inventory.get_reservation(order_id=order_id) is None


def test_unknown_products_are_named(inventory):
    with pytest.raises(UnknownProducts) as unknown:
        inventory.reserve(order_id=uuid4(), lines=[StockLine("NOPE-2", 1), StockLine("NOPE-1", 1)])

    assert unknown.value.skus == ("NOPE-1", "NOPE-2")


def test_a_held_reservation_no_longer_expires_and_commits_once(inventory):
    order_id = uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 2)])

    held = inventory.hold(order_id=order_id)
    committed = inventory.commit(order_id=order_id)
    again = inventory.commit(order_id=order_id)

    assert held.expires_at is None
    assert held.state == ReservationState.RESERVED
    assert committed.state == again.state == ReservationState.COMMITTED
    assert available(inventory, "TEE-BLACK-M") == 8


def test_a_committed_reservation_cannot_be_released(inventory):
    order_id = uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("TEE-BLACK-M", 2)])
    inventory.commit(order_id=order_id)

    with pytest.raises(ReservationClosed) as closed:
        inventory.release(order_id=order_id)

    assert closed.value.order_id == order_id
    assert closed.value.state == ReservationState.COMMITTED
    assert closed.value.operation == "release"


def test_releasing_gives_the_stock_back_once(inventory):
    order_id = uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("MUG-WHITE", 3)])

    released = inventory.release(order_id=order_id)
    again = inventory.release(order_id=order_id)

    assert released.state == again.state == ReservationState.RELEASED
    assert available(inventory, "MUG-WHITE") == 3


def test_a_released_reservation_cannot_be_held_nor_reserved_again(inventory):
    order_id = uuid4()
    inventory.reserve(order_id=order_id, lines=[StockLine("MUG-WHITE", 1)])
    inventory.release(order_id=order_id)

    with pytest.raises(ReservationClosed) as on_hold:
        inventory.hold(order_id=order_id)
    with pytest.raises(ReservationClosed) as on_reserve:
        inventory.reserve(order_id=order_id, lines=[StockLine("MUG-WHITE", 1)])

    assert (on_hold.value.state, on_hold.value.operation) == (ReservationState.RELEASED, "hold")
    assert on_reserve.value.operation == "reserve"


def test_reservations_are_read_many_orders_at_a_time(inventory):
    held, released, nobody = uuid4(), uuid4(), uuid4()
    lines = [StockLine("TEE-BLACK-M", 2), StockLine("MUG-WHITE", 1)]
    inventory.reserve(order_id=held, lines=lines)
    inventory.hold(order_id=held)
    inventory.reserve(order_id=released, lines=[StockLine("MUG-WHITE", 1)])
    inventory.release(order_id=released)

    found = inventory.get_reservations(order_ids=[held, released, nobody])

    assert set(found) == {held, released}
    assert (found[held].state, found[held].expires_at) == (ReservationState.RESERVED, None)
    assert sorted(found[held].lines, key=str) == sorted(lines, key=str)
    assert found[released] == inventory.get_reservation(order_id=released)
    assert found[released].state == ReservationState.RELEASED
    assert inventory.get_reservations(order_ids=[]) == {}


def test_an_order_without_a_reservation(inventory):
    order_id = uuid4()

    assert inventory.release(order_id=order_id) is None
    assert inventory.get_reservation(order_id=order_id) is None
    with pytest.raises(ReservationNotFound) as missing:
        inventory.hold(order_id=order_id)
    assert missing.value.order_id == order_id


def test_restocking_adds_units_and_refuses_unknown_products(inventory):
    restocked = inventory.restock(sku="MUG-WHITE", quantity=7)

    assert restocked.available == 10
    assert available(inventory, "MUG-WHITE") == 10
    with pytest.raises(UnknownProducts) as unknown:
        inventory.restock(sku="NOPE-1", quantity=1)
    assert unknown.value.skus == ("NOPE-1",)


def test_the_history_tells_what_inventory_published_for_the_order_oldest_first(inventory):
    sold, given_back = uuid4(), uuid4()
    inventory.reserve(order_id=sold, lines=[StockLine("TEE-BLACK-M", 2)])
    inventory.reserve(order_id=given_back, lines=[StockLine("MUG-WHITE", 1)])
    inventory.hold(order_id=sold)
    inventory.commit(order_id=sold)
    inventory.release(order_id=given_back)

    history = inventory.reservation_history(order_id=sold)

    assert isinstance(history, tuple)
    assert [entry.what for entry in history] == [
        "Stock reserved: 2 x TEE-BLACK-M",
        "Stock committed: 2 x TEE-BLACK-M",
    ]
    assert {entry.app for entry in history} == {"inventory"}
    assert all(entry.outcome for entry in history)
    # Each entry is an event inventory published, named by its id.
    assert len({entry.event_id for entry in history if entry.event_id}) == 2
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)
    assert all(entry.at.tzinfo is not None for entry in history)
    assert [entry.what for entry in inventory.reservation_history(order_id=given_back)] == [
        "Stock reserved: 1 x MUG-WHITE",
        "Stock released: 1 x MUG-WHITE; reason: released",
    ]
    assert inventory.reservation_history(order_id=uuid4()) == ()
