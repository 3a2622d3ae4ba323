"""The order process across the real apps: placement, its outcomes, later steps,
concurrency, and recovery after a crash between any two steps."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import F

from contracts.common import Money
from contracts.inventory import InventoryService
from shop.inventory.facade import InventoryFacade
from shop.inventory.models import Reservation, Stock
from shop.orders.models import Order
from shop.orders.reconciliation import reconcile_orders
from shop.payments.facade import PaymentsFacade
from shop.payments.providers.simulated import SimulatedProviderCall
from shop.payments.services import resolve_unanswered_payments
from shop.platform.bindings import bound
from tests.e2e.audit import assert_audit_finds_nothing
from tests.e2e.conftest import Crash, available, client_for, place, state

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def authorizations() -> int:
    return SimulatedProviderCall.objects.filter(operation="authorize").count()


def test_an_order_lives_from_placement_to_refund(catalog):
    alice, staff = client_for("alice"), client_for("staff", staff=True)

    created = place(alice)
    order_id = created.json()["id"]

    assert created.status_code == 201
    assert created.json()["total"] == {"amount": "39.80", "currency": "EUR"}
    assert state(order_id) == ("confirmed", "reserved", "authorized")
    assert Reservation.objects.get(order_id=order_id).expires_at is None
    assert available() == 98

    assert staff.post(f"/api/v1/orders/{order_id}/ship/").json()["payment"]["status"] == "captured"
    assert state(order_id) == ("shipped", "committed", "captured")
    assert staff.post(f"/api/v1/orders/{order_id}/refund/").status_code == 200
    assert state(order_id) == ("refunded", "committed", "refunded")


def test_cancel_voids_and_releases(catalog):
    alice = client_for("alice")
    order_id = place(alice).json()["id"]

    assert alice.post(f"/api/v1/orders/{order_id}/cancel/").status_code == 200
    assert state(order_id) == ("cancelled", "released", "voided")
    assert available() == 100


def test_short_stock_and_declines_leave_nothing_held(catalog):
    alice = client_for("alice")

    short = place(alice, "LAST-ONES", 11)
    declined = place(alice, method="pm_card_chargeDeclined")

    assert short.status_code == 409 and short.json()["skus"] == ["LAST-ONES"]
    assert declined.status_code == 402 and declined.json()["reason"] == "card_declined"
    assert state(short.json()["order_id"]) == ("rejected", None, None)
    assert state(declined.json()["order_id"]) == ("payment_failed", "released", "declined")
    assert available() == 100
    assert place(alice, "NOPE", 1).status_code == 400


def run_concurrently(count, work):
    def worker(index):
        try:
            return work(index)
        finally:
            connections.close_all()

    # Bounded so the connections (four databases per thread) stay within the server's limit.
    with ThreadPoolExecutor(max_workers=min(count, 10)) as pool:
        return list(pool.map(worker, range(count)))


@pytest.mark.slow
def test_thirty_posts_with_one_key_make_one_order_one_reservation_one_charge(catalog, settings):
    settings.PAYMENTS_SIMULATOR = {"latency_seconds": 0.2}
    client = client_for("eager")

    responses = run_concurrently(30, lambda _: place(client, key="checkout-1"))

    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409} and 201 in codes
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    assert all(
        r.json()["type"].endswith("/request-in-progress") for r in responses if r.status_code == 409
    )
    assert Order.objects.count() == 1
    assert Reservation.objects.count() == 1
    assert authorizations() == 1
    assert available() == 98


@pytest.mark.slow
def test_forty_customers_buying_the_last_ten_units_never_oversell(catalog):
    clients = [client_for(f"buyer{i}") for i in range(40)]

    responses = run_concurrently(40, lambda i: place(clients[i], "LAST-ONES", 1, key="k"))

    assert sorted(r.status_code for r in responses) == [201] * 10 + [409] * 30
    assert available("LAST-ONES") == 0
    assert authorizations() == 10
    assert Order.objects.filter(status="confirmed").count() == 10
    # The database's own figures: ten units reserved by ten open reservations, none more.
    stock = Stock.objects.get(product_id="LAST-ONES")
    assert (stock.on_hand, stock.reserved) == (10, 10)
    assert Reservation.objects.filter(state="reserved").count() == 10
    assert_audit_finds_nothing()


def crash_after(monkeypatch, cls, method):
    original = getattr(cls, method)

    def then_die(self, **kwargs):
        original(self, **kwargs)
        raise Crash(f"died after {method}")

    monkeypatch.setattr(cls, method, then_die)


def age_orders(seconds=120):
    delta = timedelta(seconds=seconds)
    Order.objects.update(created_at=F("created_at") - delta)


@pytest.mark.parametrize(
    ("cls", "method", "expected"),
    [
        (InventoryFacade, "reserve", ("rejected", "released", None)),
        (PaymentsFacade, "authorize", ("confirmed", "reserved", "authorized")),
        (InventoryFacade, "hold", ("confirmed", "reserved", "authorized")),
    ],
    ids=["after-reserve", "after-authorize", "before-confirm"],
)
def test_a_crash_after_each_step_is_settled_by_the_reconciler(
    catalog, monkeypatch, cls, method, expected
):
    alice = client_for("alice")
    crash_after(monkeypatch, cls, method)
    with pytest.raises(Crash):
        place(alice)
    monkeypatch.undo()
    order = Order.objects.get()
    assert order.status == "pending"

    age_orders()
    reconcile_orders()

    assert state(order.id) == expected
    assert available() == (98 if expected[0] == "confirmed" else 100)


def test_an_unanswered_authorization_is_finished_by_the_retry(catalog, settings):
    alice = client_for("alice")
    settings.PAYMENTS_SIMULATOR = {"faults": {"authorize": "timeout_after"}}

    first = place(alice, key="flaky")

    assert first.status_code == 503
    assert state(first.json()["order_id"]) == ("pending", "reserved", "unresolved")

    settings.PAYMENTS_SIMULATOR = {}
    resolve_unanswered_payments()
    retry = place(alice, key="flaky")

    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["order_id"]
    assert authorizations() == 1
    assert state(retry.json()["id"]) == ("confirmed", "reserved", "authorized")


@pytest.mark.parametrize(
    ("currency", "price_minor", "shown"), [("ISK", 500, "500"), ("JOD", 1234, "1.234")]
)
def test_catalog_and_orders_read_one_minor_unit_table(currency, price_minor, shown):
    sku = f"PRICED-{currency}"
    bound(InventoryService).create_product(
        sku=sku, name=sku, price=Money(price_minor, currency), stock=5
    )
    alice = client_for("alice")

    order = place(alice, sku=sku, quantity=1)

    assert order.status_code == 201, order.content
    assert order.json()["lines"][0]["unit_price"] == {"amount": shown, "currency": currency}
    assert alice.get(f"/api/v1/products/{sku}/").json()["price"]["amount"] == shown


def test_an_order_too_large_to_pay_is_refused_before_anything_is_created():
    bound(InventoryService).create_product(
        sku="GOLD-BAR", name="Gold", price=Money(99_999_999_999_999_99, "EUR"), stock=5000
    )

    refused = place(client_for("alice"), sku="GOLD-BAR", quantity=1000)

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "lines", "message": "The order total is too large."}
    ]
    assert not Order.objects.exists()
