"""A process dying between any two placement steps, then the reconciler or the retry.

Whatever step it died after, every order ends final and consistent with the other
apps: confirmed with stock reserved and payment authorized, or failed with the stock
back and no money held.
"""

import pytest
from django.core.management import call_command

from contracts.orders import OrderStatus
from contracts.payments import PaymentStatus
from shop.orders import placement
from shop.orders.idempotency import claim_key, fingerprint
from shop.orders.models import IdempotencyRecord, Order
from shop.orders.reconciliation import reconcile_orders
from tests.orders.conftest import age_orders, customer_client, place
from tests.orders.fakes import Crash

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def short_deadline(settings):
    settings.ORDERS_PENDING_DEADLINE_SECONDS = 60


def crash_before_confirming(monkeypatch):
    real_finish = placement.finish

    def finish(lease, *, target, **kwargs):
        if target == OrderStatus.CONFIRMED:
            raise Crash("process died before confirming")
        return real_finish(lease, target=target, **kwargs)

    monkeypatch.setattr(placement, "finish", finish)


def place_and_die(client, **kwargs):
    with pytest.raises(Crash):
        place(client, **kwargs)
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING
    return order


def assert_consistent(fakes):
    """Stock and payments agree with every order's status."""
    for order in Order.objects.all():
        reservation = fakes.inventory.state_of(order.id)
        payment = fakes.payments.status_of(order.id)
        if order.status == OrderStatus.CONFIRMED:
            assert (reservation, payment) == ("reserved", PaymentStatus.AUTHORIZED)
        else:
            assert order.status in (OrderStatus.REJECTED, OrderStatus.PAYMENT_FAILED)
            assert reservation in (None, "released", "expired")
            assert payment in (None, PaymentStatus.VOIDED, PaymentStatus.DECLINED)
    reserved = sum(
        sum(line.quantity for line in r.lines)
        for r in fakes.inventory.reservations.values()
        if r.state == "reserved"
    )
    assert fakes.inventory.available("TEE-BLACK-M") == 100 - reserved


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("reserve", OrderStatus.REJECTED),
        ("authorize", OrderStatus.CONFIRMED),
        ("confirm", OrderStatus.CONFIRMED),
    ],
)
def test_the_reconciler_settles_an_order_whose_process_died_after_each_step(
    alice, bound_fakes, monkeypatch, step, expected
):
    if step == "confirm":
        crash_before_confirming(monkeypatch)
    else:
        getattr(
            bound_fakes, "inventory" if step == "reserve" else "payments"
        ).faults.crash_after.add(step)
    order = place_and_die(alice)
    monkeypatch.undo()

    assert reconcile_orders() == {}, "a fresh pending order is left to its driver"
    age_orders(61)
    outcomes = reconcile_orders()

    order.refresh_from_db()
    assert outcomes == {expected: 1}
    assert order.status == expected
    assert order.operation == ""
    assert_consistent(bound_fakes)
    assert reconcile_orders() == {}


def test_the_reconciler_confirms_a_free_order_whose_process_died_after_reserving(
    alice, bound_fakes
):
    bound_fakes.inventory.add("SAMPLE", price=0, stock=10)
    bound_fakes.inventory.faults.crash_after.add("reserve")
    order = place_and_die(alice, lines=[{"sku": "SAMPLE", "quantity": 1}])
    age_orders(61)

    outcomes = reconcile_orders()

    order.refresh_from_db()
    assert outcomes == {OrderStatus.CONFIRMED: 1}  # nothing to pay: it counts as paid
    assert bound_fakes.inventory.state_of(order.id) == "reserved"
    assert bound_fakes.payments.status_of(order.id) is None


def test_an_authorized_order_whose_reservation_lapsed_is_voided_and_rejected(alice, bound_fakes):
    bound_fakes.payments.faults.crash_after.add("authorize")
    order = place_and_die(alice)
    bound_fakes.inventory.expire(order.id)
    age_orders(61)

    reconcile_orders()

    order.refresh_from_db()
    assert order.status == OrderStatus.REJECTED
    assert bound_fakes.payments.status_of(order.id) == PaymentStatus.VOIDED
    assert_consistent(bound_fakes)


def test_a_declined_order_that_died_before_releasing_ends_payment_failed(alice, bound_fakes):
    bound_fakes.inventory.faults.crash_after.add("release")
    order = place_and_die(alice, method="pm_card_chargeDeclined")
    age_orders(61)

    reconcile_orders()

    order.refresh_from_db()
    assert (order.status, order.reason) == (OrderStatus.PAYMENT_FAILED, "card_declined")
    assert_consistent(bound_fakes)


def test_an_unanswered_payment_waits_for_payments_to_settle_it(alice, bound_fakes):
    bound_fakes.payments.provider_down = True
    assert place(alice).status_code == 503
    order = Order.objects.get()
    age_orders(61)

    assert reconcile_orders() == {"waiting": 1}
    assert bound_fakes.inventory.state_of(order.id) == "reserved"

    bound_fakes.payments.provider_down = False
    bound_fakes.payments.settle_unresolved(order.id, PaymentStatus.DECLINED)
    assert reconcile_orders() == {OrderStatus.PAYMENT_FAILED: 1}
    assert_consistent(bound_fakes)


def test_an_order_under_a_live_lease_is_left_to_its_driver(alice, bound_fakes, monkeypatch):
    # A killed process cannot let go of its lease: it runs out instead.
    monkeypatch.setattr(placement, "let_go", lambda lease, **kwargs: None)
    bound_fakes.inventory.faults.crash_after.add("reserve")
    order = place_and_die(alice)
    Order.objects.update(created_at=order.created_at.replace(year=2000))

    assert reconcile_orders() == {}

    age_orders(31)
    assert reconcile_orders() == {OrderStatus.REJECTED: 1}


def test_the_retry_of_a_request_that_died_finishes_that_same_order(alice, bound_fakes):
    bound_fakes.inventory.faults.crash_after.add("reserve")
    order = place_and_die(alice, key="died")

    retry = place(alice, key="died")

    assert retry.status_code == 201
    assert retry.json()["id"] == str(order.id)
    assert Order.objects.count() == 1
    assert bound_fakes.inventory.reservations_made == 1
    assert bound_fakes.payments.provider_calls["authorize"] == 1
    assert place(alice, key="died").json() == retry.json()


def test_the_retry_after_the_reconciler_settled_gets_that_orders_outcome(alice, bound_fakes):
    bound_fakes.inventory.faults.crash_after.add("reserve")
    order = place_and_die(alice, key="died")
    age_orders(61)
    reconcile_orders()

    retry = place(alice, key="died")

    assert retry.status_code == 409
    assert retry.json()["type"].endswith("/order-not-completed")
    assert retry.json()["order_id"] == str(order.id)
    assert Order.objects.count() == 1


def test_a_duplicate_answers_in_progress_only_for_the_bounded_lease(alice, bound_fakes):
    _, alice_id = customer_client("alice")
    body = {"lines": [{"sku": "TEE-BLACK-M", "quantity": 2}], "payment_method": "pm_card_visa"}
    # The first request claimed the key and was killed before creating the order.
    claim_key(customer_id=alice_id, key="killed", request_fingerprint=fingerprint(body))

    busy = place(alice, key="killed")
    assert busy.status_code == 409
    assert busy.json()["type"].endswith("/request-in-progress")
    assert 1 <= int(busy["Retry-After"]) <= 31

    IdempotencyRecord.objects.update(locked_until=None)
    assert place(alice, key="killed").status_code == 201
    assert Order.objects.count() == 1


def test_the_reconcile_orders_command_reports_progress(alice, bound_fakes, capsys):
    bound_fakes.payments.faults.crash_after.add("authorize")
    order = place_and_die(alice)
    age_orders(61)

    call_command("reconcile_orders")

    out = capsys.readouterr().out
    assert f"[1/1] order {order.id}: confirmed" in out
    assert "Settled 1: 1 confirmed." in out


def test_a_retry_after_the_reservation_lapsed_rejects_the_order_without_charging(
    alice, bound_fakes
):
    bound_fakes.inventory.faults.crash_after.add("reserve")
    order = place_and_die(alice, key="slow-retry")
    bound_fakes.inventory.expire(order.id)

    retry = place(alice, key="slow-retry")

    assert retry.status_code == 409
    assert retry.json()["skus"] == ["TEE-BLACK-M"]
    assert bound_fakes.payments.payments == {}
    assert_consistent(bound_fakes)
