"""The orders admin as support, warehouse and finance staff use it (test client).

Inventory and payments are the fakes of fakes.py; staff are plain staff users in
the groups of shop.platform.roles, never superusers, so each sees only what their
role allows.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from contracts.common import ServiceUnavailable
from shop.orders import operations
from shop.orders.models import Operation, Order
from shop.platform.roles import ensure_staff_groups
from tests.orders.conftest import age_orders, place

pytestmark = pytest.mark.django_db(databases="__all__")

CHANGELIST = "/admin/orders/order/"


def page_of(order_id: str) -> str:
    return f"/admin/orders/order/{order_id}/change/"


def staff(username: str, *roles: str) -> Client:
    ensure_staff_groups()
    user = get_user_model().objects.create_user(username, f"{username}@shop.test", is_staff=True)
    user.groups.add(*Group.objects.filter(name__in=roles))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def with_emails(alice, bob):
    users = get_user_model().objects
    users.filter(username="alice").update(email="alice@example.com")
    users.filter(username="bob").update(email="bob@example.org")


def action_names(response) -> set[str]:
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_list_shows_customers_money_and_payment_states(alice, with_emails):
    order_id = place(alice).json()["id"]

    page = staff("sam", "support").get(CHANGELIST)

    assert page.status_code == 200
    row = page.text[page.text.index(order_id) :]
    assert "alice" in row and "alice@example.com" in row
    assert '<td class="field-total">25.00 EUR</td>' in page.text
    assert '<td class="field-payment">authorized</td>' in page.text
    assert "2500" not in page.text


def test_orders_are_found_by_email_username_customer_sku_and_id(alice, bob, with_emails):
    alices = place(alice).json()["id"]
    bobs = place(bob, [{"sku": "MUG-WHITE", "quantity": 1}]).json()["id"]
    support = staff("sam", "support")
    bob_id = get_user_model().objects.get(username="bob").pk

    def found(term: str) -> set[str]:
        return {str(o.pk) for o in support.get(CHANGELIST, {"q": term}).context["cl"].result_list}

    assert found("alice@example") == {alices}
    assert found("example.org") == {bobs}
    assert found("BOB") == {bobs}
    assert found(str(bob_id)) == {bobs}
    assert found("mug-white") == {bobs}
    assert found("TEE-BLACK-M") == {alices}
    assert found(alices) == {alices}
    assert found("nobody-at-all") == set()


def test_the_list_filters_by_payment_state_and_sorts_by_total(alice, bob):
    cheap = place(alice, [{"sku": "MUG-WHITE", "quantity": 1}], key="a").json()["id"]
    dear = place(alice, [{"sku": "TEE-BLACK-M", "quantity": 3}], key="b").json()["id"]
    declined = place(bob, method="pm_card_chargeDeclined").json()["order_id"]
    support = staff("sam", "support")

    by_payment = support.get(CHANGELIST, {"payment": "declined"}).context["cl"].result_list
    by_total = support.get(CHANGELIST, {"o": "4"}).context["cl"].result_list  # total, ascending
    by_total_desc = support.get(CHANGELIST, {"o": "-4"}).context["cl"].result_list

    assert [str(o.pk) for o in by_payment] == [declined]
    assert [str(o.pk) for o in by_total] == [cheap, declined, dear]
    assert [str(o.pk) for o in by_total_desc] == [dear, declined, cheap]


def test_the_order_page_tells_the_story_in_money_and_words(alice, with_emails):
    order_id = place(alice).json()["id"]

    page = staff("sam", "support").get(page_of(order_id)).text

    assert "alice" in page and "alice@example.com" in page
    assert re.search(r"<td>TEE-BLACK-M</td><td>2</td><td>12.50 EUR</td><td>25.00 EUR</td>", page)
    assert "reserved: 2 x TEE-BLACK-M, held until shipped or cancelled" in page
    assert "authorized: 25.00 EUR authorized, 0.00 EUR captured, 0.00 EUR refunded" in page
    timeline = page[page.index('class="order-timeline"') :]
    placed = timeline.index("Order placed for 25.00 EUR")
    confirmed = timeline.index("Order confirmed: 25.00 EUR")
    assert confirmed < placed  # newest first
    # Placement internals are tucked away in a collapsed section after the story.
    processing = page.index("Processing")
    assert page.rfind("<details", 0, processing) > page.index('class="order-timeline"')
    assert "minor" not in page


def test_support_see_orders_but_cannot_move_money(alice):
    order_id = place(alice).json()["id"]
    support = staff("sam", "support")

    listing = support.get(CHANGELIST)
    order_page = support.get(page_of(order_id))
    forged = support.post(
        CHANGELIST,
        {"action": "ship_orders", "_selected_action": [order_id], "confirm": "yes"},
        follow=True,
    )
    confirm_page = support.get(f"{CHANGELIST}{order_id}/act/refund/")

    assert action_names(listing) == {"cancel_orders"}
    assert "Ship…" not in order_page.text and "Refund…" not in order_page.text
    assert "Cancel…" in order_page.text
    assert "No action selected." in messages_of(forged)
    assert confirm_page.status_code == 403
    assert Order.objects.get().status == "confirmed"


def test_the_warehouse_ships_after_reading_what_will_happen(alice, bound_fakes):
    order_id = place(alice).json()["id"]
    warehouse = staff("wes", "warehouse")
    assert action_names(warehouse.get(CHANGELIST)) == {"ship_orders"}

    button = warehouse.get(page_of(order_id))
    confirm = warehouse.get(f"{CHANGELIST}{order_id}/act/ship/")
    assert "Ship…" in button.text
    assert "Capture of 25.00 EUR; 2 x TEE-BLACK-M committed from stock." in confirm.text
    assert Order.objects.get().status == "confirmed"
    assert bound_fakes.payments.calls["capture"] == 0

    done = warehouse.post(
        CHANGELIST,
        {"action": "ship_orders", "_selected_action": [order_id], "confirm": "yes"},
        follow=True,
    )

    assert done.redirect_chain[-1][0] == page_of(order_id)
    assert messages_of(done) == [
        f"Order {order_id} shipped: 25.00 EUR captured, 2 x TEE-BLACK-M committed from stock."
    ]
    assert Order.objects.get().status == "shipped"
    assert bound_fakes.payments.provider_calls["capture"] == 1
    assert "Refund…" not in done.text  # the warehouse does not refund


def test_finance_refund_a_shipped_order(alice, bound_fakes):
    order_id = place(alice).json()["id"]
    operations.ship_order(order_id=uuid.UUID(order_id))
    finance = staff("fay", "finance")

    confirm = finance.get(f"{CHANGELIST}{order_id}/act/refund/")
    done = finance.post(
        CHANGELIST,
        {"action": "refund_orders", "_selected_action": [order_id], "confirm": "yes"},
        follow=True,
    )

    assert "Refund of 25.00 EUR to the customer." in confirm.text
    assert messages_of(done) == [f"Order {order_id} refunded: 25.00 EUR returned to the customer."]
    assert Order.objects.get().status == "refunded"
    assert bound_fakes.payments.provider_calls["refund"] == 1


def test_a_refused_act_says_why_and_the_others_still_happen(alice, bob, bound_fakes):
    shipped = place(alice).json()["id"]
    declined = place(bob, method="pm_card_chargeDeclined").json()["order_id"]
    warehouse = staff("wes", "warehouse")
    chosen = {"action": "ship_orders", "_selected_action": [shipped, declined]}

    confirm = warehouse.post(CHANGELIST, chosen)
    done = warehouse.post(CHANGELIST, {**chosen, "confirm": "yes"}, follow=True)

    assert "Will be refused: it is payment_failed; only confirmed orders can be shipped." in (
        confirm.text
    )
    assert messages_of(done) == [
        f"Order {shipped} shipped: 25.00 EUR captured, 2 x TEE-BLACK-M committed from stock.",
        f"Order {declined} was not shipped: "
        "it is payment_failed; only confirmed orders can be shipped.",
    ]
    assert Order.objects.get(pk=shipped).status == "shipped"
    assert Order.objects.get(pk=declined).status == "payment_failed"
    assert bound_fakes.payments.provider_calls["capture"] == 1


def test_the_operations_page_counts_stuck_orders_for_those_who_may_see_them(alice, bound_fakes):
    bound_fakes.payments.provider_down = True
    place(alice)  # the provider does not answer: the order stays pending
    age_orders(3600)

    support_page = staff("sam", "support").get("/admin/operations/")
    nobody_page = staff("nora").get("/admin/operations/")

    assert support_page.status_code == 200
    row = re.search(
        r'<a href="(?P<url>[^"]+)">Pending orders past their deadline</a></th>\s*'
        r'<td class="count">(?P<count>\d+)</td>',
        support_page.text,
    )
    assert row is not None and row["count"] == "1"
    stuck = staff("sam2", "support").get(row["url"].replace("&amp;", "&"))
    assert stuck.context["cl"].result_count == 1
    assert "Pending orders past their deadline" not in nobody_page.text


def test_the_operations_page_counts_orders_left_mid_change_and_lists_them(alice):
    left = place(alice).json()["id"]
    place(alice)  # confirmed and idle: not counted
    # A ship whose process died before finishing it: the marker stays, the lease ran out.
    Order.objects.filter(pk=left).update(operation=Operation.SHIP)

    page = staff("sam", "support").get("/admin/operations/")

    row = re.search(
        r'<a href="(?P<url>[^"]+)">Orders left mid-change</a></th>\s*'
        r'<td class="count">(?P<count>\d+)</td>',
        page.text,
    )
    assert row is not None and row["count"] == "1"
    busy = staff("sam2", "support").get(row["url"].replace("&amp;", "&"))
    assert [str(order.pk) for order in busy.context["cl"].result_list] == [left]


def test_a_customers_link_lists_their_orders(alice, bob, with_emails):
    alices = place(alice).json()["id"]
    place(bob)
    alice_id = get_user_model().objects.get(username="alice").pk
    support = staff("sam", "support")

    listing = support.get(CHANGELIST).text
    theirs = support.get(CHANGELIST, {"customer_id": alice_id})

    assert f'href="/admin/auth/user/{alice_id}/change/"' in listing  # support may read users
    assert f'href="/admin/orders/order/?customer_id={alice_id}"' in listing
    assert [str(o.pk) for o in theirs.context["cl"].result_list] == [alices]


def test_with_payments_unreachable_the_admin_still_serves_and_says_so(
    alice, bound_fakes, monkeypatch
):
    order_id = place(alice).json()["id"]

    def down(**kwargs):
        raise ServiceUnavailable("payments", reason="connection refused")

    for method in ("get", "get_many", "payment_history", "order_ids_with_status"):
        monkeypatch.setattr(bound_fakes.payments, method, down)
    support = staff("sam", "support")

    listing = support.get(CHANGELIST)
    filtered = support.get(CHANGELIST, {"payment": "authorized"})
    page = support.get(page_of(order_id))

    assert listing.status_code == page.status_code == filtered.status_code == 200
    assert '<td class="field-payment">unavailable</td>' in listing.text
    assert messages_of(filtered) == ["Payments cannot be reached right now: no order is shown."]
    assert "payments cannot be reached right now" in page.text
    assert "reserved: 2 x TEE-BLACK-M" in page.text  # inventory still answers


def test_with_payments_unreachable_an_act_is_confirmed_and_reported_from_the_order(
    alice, bound_fakes, monkeypatch
):
    order_id = place(alice).json()["id"]
    warehouse = staff("wes", "warehouse")

    def down(**kwargs):
        raise ServiceUnavailable("payments", reason="connection refused")

    # Payments answers the capture, but not the reads around it.
    for method in ("get", "get_many", "payment_history"):
        monkeypatch.setattr(bound_fakes.payments, method, down)
    confirm = warehouse.get(f"{CHANGELIST}{order_id}/act/ship/")
    done = warehouse.post(
        CHANGELIST,
        {"action": "ship_orders", "_selected_action": [order_id], "confirm": "yes"},
        follow=True,
    )

    assert confirm.status_code == 200
    assert "Capture of 25.00 EUR; 2 x TEE-BLACK-M committed from stock." in confirm.text
    assert done.status_code == 200
    assert messages_of(done) == [
        f"Order {order_id} shipped: 25.00 EUR captured, 2 x TEE-BLACK-M committed from stock."
    ]
    assert Order.objects.get().status == "shipped"
