"""Placement under concurrency: real threads, each with its own database connection."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from contracts.orders import OrderStatus
from shop.orders.models import Order
from tests.orders.conftest import customer_client, place

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]


def run_concurrently(count, work):
    def worker(index):
        try:
            return work(index)
        finally:
            connections.close_all()

    # Bounded so the connections (two databases per thread) stay within the server's limit.
    with ThreadPoolExecutor(max_workers=min(count, 16)) as pool:
        return list(pool.map(worker, range(count)))


def test_thirty_posts_with_one_key_make_one_order_one_reservation_one_charge(bound_fakes):
    client, _ = customer_client("eager")
    # Slow steps keep the first request running while the duplicates arrive.
    bound_fakes.inventory.faults.delay["reserve"] = 0.2
    bound_fakes.payments.faults.delay["authorize"] = 0.2

    responses = run_concurrently(30, lambda _: place(client, key="checkout-42"))

    created = [r for r in responses if r.status_code == 201]
    in_progress = [r for r in responses if r.status_code == 409]
    assert len(created) + len(in_progress) == 30
    assert created, "the first request must answer 201"
    assert len({r.json()["id"] for r in created}) == 1
    assert all(r.json() == created[0].json() for r in created)
    assert all(r.json()["type"].endswith("/request-in-progress") for r in in_progress)
    assert all(r["Retry-After"] for r in in_progress)
    assert Order.objects.count() == 1
    assert bound_fakes.inventory.reservations_made == 1
    assert bound_fakes.payments.provider_calls["authorize"] == 1
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 98

    assert place(client, key="checkout-42").json() == created[0].json()


def test_forty_placements_for_ten_units_confirm_exactly_the_orders_inventory_reserved(
    bound_fakes,
):
    # Orders' side of the race, against the fake's contract: every reservation the
    # inventory grants becomes a confirmed, paid order and every refusal a rejected one.
    # That the database itself never oversells is proven on the real inventory in
    # tests/e2e/test_order_process.py.
    bound_fakes.inventory.add("LAST-ONES", price=500, stock=10)
    clients = [customer_client(f"buyer{i}")[0] for i in range(40)]

    responses = run_concurrently(
        40, lambda i: place(clients[i], [{"sku": "LAST-ONES", "quantity": 1}], key="buy")
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] * 10 + [409] * 30
    assert all(
        r.json()["type"].endswith("/insufficient-stock") for r in responses if r.status_code == 409
    )
    assert Order.objects.filter(status=OrderStatus.CONFIRMED).count() == 10
    assert Order.objects.filter(status=OrderStatus.REJECTED).count() == 30
    assert bound_fakes.inventory.available("LAST-ONES") == 0
    confirmed = set(Order.objects.filter(status=OrderStatus.CONFIRMED).values_list("pk", flat=True))
    assert set(bound_fakes.payments.money_held()) == confirmed


def test_cancel_and_ship_racing_leave_one_consistent_outcome(bound_fakes):
    customer, _ = customer_client("racer")
    staff, _ = customer_client("warehouse", staff=True, permissions=("ship_order",))
    order_ids = [place(customer, key=f"o{i}").json()["id"] for i in range(10)]
    # Slow provider calls make the two requests for one order overlap.
    bound_fakes.payments.faults.delay.update(capture=0.05, void=0.05)

    def act(index):
        order_id = order_ids[index // 2]
        if index % 2:
            return staff.post(f"/api/v1/orders/{order_id}/ship/").status_code
        return customer.post(f"/api/v1/orders/{order_id}/cancel/").status_code

    codes = run_concurrently(20, act)

    # Of the two requests racing for one order, exactly one wins; the other is refused.
    for index in range(len(order_ids)):
        assert sorted(codes[2 * index : 2 * index + 2]) == [200, 409], codes
    for order in Order.objects.all():
        payment = bound_fakes.payments.status_of(order.id)
        reservation = bound_fakes.inventory.state_of(order.id)
        assert (order.status, payment, reservation) in {
            ("shipped", "captured", "committed"),
            ("cancelled", "voided", "released"),
        }
