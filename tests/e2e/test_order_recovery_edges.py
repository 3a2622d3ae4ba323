"""What a refusing provider, a stalled driver or a crashed step must never leave behind:
goods shipped unpaid, a refund that did not happen, stock held for a dead order."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from shop.inventory.facade import InventoryFacade
from shop.orders.models import Operation, Order
from shop.orders.reconciliation import reconcile_orders
from shop.payments.providers.simulated import SimulatedProvider
from tests.e2e.conftest import Crash, available, client_for, place, state

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture
def provider_refuses(monkeypatch):
    """The provider refuses what follows an authorization (expired, disputed)."""

    def refuse(reason: str = "authorization_expired") -> None:
        monkeypatch.setattr(SimulatedProvider, "_charge_problem", lambda self, ref: reason)

    return refuse


def test_a_refused_capture_ships_nothing(catalog, provider_refuses):
    alice, staff = client_for("alice"), client_for("staff", staff=True)
    order_id = place(alice).json()["id"]
    provider_refuses()

    response = staff.post(f"/api/v1/orders/{order_id}/ship/")

    assert response.status_code == 409
    assert response.json()["type"].endswith("/operation-refused")
    status, reservation, payment = state(order_id)
    assert (reservation, payment) == ("reserved", "failed")
    assert status != "shipped"


def test_a_refused_refund_leaves_the_order_shipped(catalog, provider_refuses):
    alice, staff = client_for("alice"), client_for("staff", staff=True)
    order_id = place(alice).json()["id"]
    assert staff.post(f"/api/v1/orders/{order_id}/ship/").status_code == 200
    provider_refuses("charge_disputed")

    response = staff.post(f"/api/v1/orders/{order_id}/refund/")

    assert response.status_code == 409
    assert state(order_id) == ("shipped", "committed", "captured")


def test_a_refused_void_leaves_the_order_confirmed_with_its_stock(catalog, provider_refuses):
    alice = client_for("alice")
    order_id = place(alice).json()["id"]
    provider_refuses("processing_error")

    response = alice.post(f"/api/v1/orders/{order_id}/cancel/")

    assert response.status_code == 409
    assert state(order_id) == ("confirmed", "reserved", "authorized")


def test_a_placement_that_stalled_past_the_reconciler_gives_back_what_it_took(catalog, monkeypatch):
    real_reserve = InventoryFacade.reserve

    def reserve_after_a_long_stall(self, **kwargs):
        # Stalled past its lease and the pending deadline: the reconciler gives up on it.
        Order.objects.update(
            created_at=F("created_at") - timedelta(seconds=120),
            driven_until=F("driven_until") - timedelta(seconds=120),
        )
        reconcile_orders()
        return real_reserve(self, **kwargs)

    monkeypatch.setattr(InventoryFacade, "reserve", reserve_after_a_long_stall)

    place(client_for("alice"))

    order = Order.objects.get()
    assert state(order.id) == ("rejected", "released", "voided")
    assert available() == 100


def test_a_cancel_that_died_half_way_is_not_forgotten_when_a_ship_is_tried(catalog, monkeypatch):
    alice, staff = client_for("alice"), client_for("staff", staff=True)
    order_id = place(alice).json()["id"]

    def die(self, **kwargs):
        raise Crash

    monkeypatch.setattr(InventoryFacade, "release", die)
    with pytest.raises(Crash):
        alice.post(f"/api/v1/orders/{order_id}/cancel/")
    monkeypatch.undo()
    Order.objects.update(driven_until=timezone.now() - timedelta(seconds=1))  # it died
    assert Order.objects.get().operation == Operation.CANCEL

    assert staff.post(f"/api/v1/orders/{order_id}/ship/").status_code == 409
    reconcile_orders()

    assert state(order_id) == ("cancelled", "released", "voided")
    assert available() == 100
