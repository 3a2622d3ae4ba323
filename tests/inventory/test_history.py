"""What inventory tells others about an order's stock, through its contract."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from contracts.inventory import StockLine
from shop.inventory.facade import InventoryFacade
from shop.platform.events.models import OutboxMessage

pytestmark = pytest.mark.django_db(databases="__all__")

inventory = InventoryFacade()


def test_the_history_tells_what_was_reserved_and_released_with_its_delivery(make_product):
    make_product("TEE-BLACK-M", stock=10)
    make_product("MUG-LOGO", stock=10)
    order_id, other = uuid.uuid4(), uuid.uuid4()
    inventory.reserve(
        order_id=order_id, lines=[StockLine("TEE-BLACK-M", 2), StockLine("MUG-LOGO", 1)]
    )
    inventory.reserve(order_id=other, lines=[StockLine("TEE-BLACK-M", 1)])
    inventory.release(order_id=order_id)
    released = OutboxMessage.objects.using("inventory").get(
        name="inventory.stock_released", payload__order_id=str(order_id)
    )
    OutboxMessage.objects.using("inventory").filter(pk=released.pk).update(
        parked_at=timezone.now(), attempts=8, last_error="KeyError: 'sku'"
    )

    history = inventory.reservation_history(order_id=order_id)

    assert [(entry.app, entry.what) for entry in history] == [
        ("inventory", "Stock reserved: 1 x MUG-LOGO, 2 x TEE-BLACK-M"),
        ("inventory", "Stock released: 1 x MUG-LOGO, 2 x TEE-BLACK-M; reason: released"),
    ]
    assert history[1].outcome == "parked after 8 failed deliveries: KeyError: 'sku'"
    assert history[1].event_id == str(released.pk)
    assert inventory.reservation_history(order_id=uuid.uuid4()) == ()
