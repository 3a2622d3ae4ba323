"""The admin's queries do not grow with the page: customers, payments and the order's
story are each read once per page, from their own databases (real apps)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.platform.roles import ensure_staff_groups
from tests.e2e.conftest import client_for, place

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@contextmanager
def queries_per_alias() -> Iterator[dict[str, CaptureQueriesContext]]:
    with ExitStack() as stack:
        yield {
            alias: stack.enter_context(CaptureQueriesContext(connections[alias]))
            for alias in connections
        }


def counts(captured: dict[str, CaptureQueriesContext]) -> dict[str, int]:
    return {alias: len(context.captured_queries) for alias, context in captured.items()}


@pytest.fixture
def support() -> Client:
    ensure_staff_groups()
    user = get_user_model().objects.create_user("sam", "sam@shop.test", is_staff=True)
    user.groups.add(Group.objects.get(name="support"))
    client = Client()
    client.force_login(user)
    return client


def list_queries(support: Client) -> dict[str, int]:
    support.get("/admin/orders/order/")  # the session and permissions, cached from here on
    with queries_per_alias() as captured:
        response = support.get("/admin/orders/order/")
    assert response.status_code == 200
    return counts(captured), len(response.context["cl"].result_list)


def test_the_orders_list_asks_each_database_the_same_however_long_the_page(support, catalog):
    customers = [client_for(f"customer{i}") for i in range(6)]
    place(customers[0])
    place(customers[1], method="pm_card_chargeDeclined")
    few, shown_few = list_queries(support)

    for customer in customers[2:]:
        place(customer, key="a")
        place(customer, key="b")
    many, shown_many = list_queries(support)

    assert (shown_few, shown_many) == (2, 10)
    assert many == few
    # default: the session, the user and their permissions, then the page's customers.
    assert few == {"default": 5, "orders": 2, "payments": 1, "inventory": 0}


def test_an_order_page_asks_the_same_however_many_lines(support, catalog):
    alice = client_for("alice")
    one_line = place(alice, key="one").json()["id"]
    body = {
        "lines": [{"sku": "TEE-BLACK-M", "quantity": 1}, {"sku": "LAST-ONES", "quantity": 2}],
        "payment_method": "pm_card_visa",
    }
    two_lines = alice.post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="two"
    ).json()["id"]

    pages = {}
    for order_id in (one_line, two_lines):
        url = f"/admin/orders/order/{order_id}/change/"
        support.get(url)
        with queries_per_alias() as captured:
            response = support.get(url)
        assert response.status_code == 200
        assert "Stock reserved" in response.text
        pages[order_id] = counts(captured)

    assert pages[one_line] == pages[two_lines]
    assert pages[one_line] == {"default": 5, "orders": 4, "payments": 3, "inventory": 2}
