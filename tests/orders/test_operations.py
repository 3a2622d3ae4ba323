"""What operators use: the commands, the admin, the periodic jobs, the demo seeder."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from contracts.orders import OrderStatus
from shop.orders.demo import seed_customers_and_orders
from shop.orders.driving import claim
from shop.orders.facade import OrdersFacade
from shop.orders.models import Operation, Order
from shop.orders.reconciliation import reconcile_orders
from shop.platform.schedule import periodic_jobs
from tests.orders.conftest import age_orders, place

pytestmark = pytest.mark.django_db(databases="__all__")


def test_reconcile_orders_refuses_a_bad_limit():
    with pytest.raises(CommandError, match="--limit"):
        call_command("reconcile_orders", "--limit", "0")


def test_a_cancel_abandoned_half_way_is_finished_by_the_reconciler(alice, bound_fakes):
    order = Order.objects.get(pk=place(alice).json()["id"])
    claim(order_id=order.id, operation=Operation.CANCEL, target=OrderStatus.CANCELLED)
    bound_fakes.payments.void(order_id=order.id)  # then the process died
    age_orders(31)

    assert reconcile_orders() == {OrderStatus.CANCELLED: 1}
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100


def test_the_facade_gives_other_apps_an_orders_status_and_lines(alice):
    order_id = uuid.UUID(place(alice).json()["id"])

    order = OrdersFacade().get_order(order_id=order_id)

    assert order.status == OrderStatus.CONFIRMED
    assert [(line.sku, line.quantity, line.unit_price.amount_minor) for line in order.lines] == [
        ("TEE-BLACK-M", 2, 1250)
    ]
    assert order.total.amount_minor == 2500
    assert OrdersFacade().get_order(order_id=uuid.uuid4()) is None


def test_the_worker_runs_the_reconciler_and_the_key_purge():
    names = {job.name for job in periodic_jobs()}

    assert {"orders.reconcile", "orders.purge_idempotency_keys"} <= names


def test_the_demo_seeder_is_idempotent_and_prints_tokens(bound_fakes):
    lines: list[str] = []
    seed_customers_and_orders(lines.append)
    seed_customers_and_orders(lines.append)

    assert sum("Authorization: Token" in line for line in lines) == 6
    statuses = sorted(Order.objects.values_list("status", flat=True))
    assert statuses == ["confirmed", "payment_failed"]
