"""``manage.py audit_consistency``: orders, reservations and payments agree, or it says
where they do not, exits 1, and the gauge and the recorded run show it."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path
from uuid import UUID

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.models import F

from shop.inventory.models import Stock
from shop.orders.models import Order
from shop.payments.facade import PaymentsFacade
from shop.payments.models import Payment
from shop.platform.models import AuditRun
from tests.e2e.audit import audit
from tests.e2e.conftest import client_for, place

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def gauge(client, name: str) -> float | None:
    for line in client.get("/metrics").content.decode().splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return None


@pytest.fixture
def a_shop_in_every_state(catalog):
    """One order in each final state, through the API."""
    alice, staff = client_for("alice"), client_for("warehouse", staff=True)
    confirmed = place(alice, key="confirmed").json()["id"]
    shipped = place(alice, key="shipped").json()["id"]
    staff.post(f"/api/v1/orders/{shipped}/ship/")
    refunded = place(alice, key="refunded").json()["id"]
    staff.post(f"/api/v1/orders/{refunded}/ship/")
    staff.post(f"/api/v1/orders/{refunded}/refund/")
    cancelled = place(alice, key="cancelled").json()["id"]
    alice.post(f"/api/v1/orders/{cancelled}/cancel/")
    place(alice, key="declined", method="pm_card_chargeDeclined")
    place(alice, "LAST-ONES", 11, key="short")
    assert sorted(Order.objects.values_list("status", flat=True)) == [
        "cancelled",
        "confirmed",
        "payment_failed",
        "refunded",
        "rejected",
        "shipped",
    ]
    return {"confirmed": UUID(confirmed), "shipped": UUID(shipped), "cancelled": UUID(cancelled)}


def test_a_consistent_shop_passes_and_the_run_is_recorded(a_shop_in_every_state, client):
    assert gauge(client, "shop_audit_discrepancies") is None  # never audited yet
    err = io.StringIO()

    call_command("audit_consistency", stdout=io.StringIO(), stderr=err)

    run = AuditRun.objects.get()
    assert run.discrepancies == 0
    assert run.checks == ["inventory.reserved_stock", "orders.lifecycle", "payments.amounts"]
    assert "orders.lifecycle: 6/6" in err.getvalue()
    assert gauge(client, "shop_audit_discrepancies") == 0
    assert gauge(client, "shop_audit_last_run_timestamp_seconds") == run.finished_at.timestamp()


def test_the_audit_asks_inventory_and_payments_once_per_page_of_orders(
    a_shop_in_every_state, spans
):
    clean, printed = audit()

    assert clean, printed
    calls = Counter(span.name for span in spans.get_finished_spans())
    # Six orders, one page: one call to each app, not one per order.
    assert (calls["inventory.get_reservations"], calls["payments.get_many"]) == (1, 1)
    assert (calls["inventory.get_reservation"], calls["payments.get"]) == (0, 0)


def test_each_discrepancy_is_printed_counted_and_exported(a_shop_in_every_state, client):
    confirmed = a_shop_in_every_state["confirmed"]
    PaymentsFacade().void(order_id=confirmed)  # money moved behind orders' back
    Stock.objects.filter(product_id="LAST-ONES").update(reserved=F("reserved") + 1)
    Order.objects.filter(pk=a_shop_in_every_state["shipped"]).update(status="confirmed")

    clean, printed = audit()

    assert not clean
    assert f"order {confirmed} (confirmed): confirmed without an authorized payment" in printed
    assert "stock LAST-ONES: 1 reserved but open reservations hold 0" in printed
    assert "confirmed without its stock held (reservation committed)" in printed
    assert "4 discrepancies found" in printed
    assert AuditRun.objects.get().discrepancies == 4
    assert gauge(client, "shop_audit_discrepancies") == 4


def test_a_cancelled_order_whose_payment_kept_part_of_the_money_is_a_discrepancy(
    a_shop_in_every_state,
):
    cancelled = a_shop_in_every_state["cancelled"]
    # Captured and partly given back at the provider, behind orders' back.
    Payment.objects.filter(order_id=cancelled).update(
        status="partially_refunded", captured_minor=3980, refunded_minor=1000
    )

    clean, printed = audit()

    assert not clean
    assert (
        f"order {cancelled} (cancelled): cancelled but its money is still taken "
        "(payment partially_refunded)"
    ) in printed
    assert "1 discrepancies found" in printed


def test_an_order_pending_past_its_deadline_is_a_discrepancy(catalog, settings):
    place(client_for("alice"), key="stuck")
    Order.objects.update(status="pending", driven_until=None)
    settings.ORDERS_PENDING_DEADLINE_SECONDS = 0

    clean, printed = audit()

    assert not clean
    assert "pending past its deadline" in printed


def test_the_command_exits_1_in_one_line_on_a_discrepancy(a_shop_in_every_state):
    PaymentsFacade().void(order_id=a_shop_in_every_state["confirmed"])
    env = {"PATH": "/usr/bin:/bin"}
    for alias in connections:
        db = connections[alias].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url

    ran = subprocess.run(
        [sys.executable, "manage.py", "audit_consistency"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert ran.returncode == 1
    assert "confirmed without an authorized payment" in ran.stdout
    assert ran.stderr.strip().splitlines()[-1] == (
        "CommandError: 1 discrepancies found by 3 checks."
    )
