"""What operators use: the commands, the admin, the periodic jobs, the demo seeder."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

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


@pytest.fixture
def admin_client() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_reservation_and_payment_through_the_contracts(admin_client, alice):
    order_id = place(alice).json()["id"]

    page = admin_client.get(f"/admin/orders/order/{order_id}/change/").content.decode()

    assert "reserved, held until shipped or cancelled" in page
    assert "authorized; captured 0" in page


def test_the_admin_lists_filters_and_searches(admin_client, alice, bob):
    order_id = place(alice).json()["id"]
    place(bob, method="pm_card_chargeDeclined")

    by_status = admin_client.get("/admin/orders/order/?status__exact=confirmed").content.decode()
    by_id = admin_client.get(f"/admin/orders/order/?q={order_id}").content.decode()

    assert order_id in by_status and by_status.count("/change/") == 1
    assert order_id in by_id
    assert admin_client.get("/admin/orders/order/?q=not-an-id").status_code == 200


def test_admin_actions_go_through_the_services(admin_client, alice, bound_fakes):
    shipped = place(alice, key="a").json()["id"]
    declined = place(alice, key="b", method="pm_card_chargeDeclined").json()["order_id"]

    response = admin_client.post(
        "/admin/orders/order/",
        {"action": "ship_orders", "_selected_action": [shipped, declined]},
        follow=True,
    )

    page = response.content.decode()
    assert "Shipped 1 order(s)." in page
    assert "payment_failed; it cannot become shipped" in page
    assert Order.objects.get(pk=shipped).status == "shipped"
    assert bound_fakes.payments.provider_calls["capture"] == 1
