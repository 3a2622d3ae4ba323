"""Staff work in the Django admin, driven in a real Chromium against a live server
serving the real apps on the test databases."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect, sync_playwright

from shop.inventory.models import Product
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.platform.events.models import OutboxMessage
from tests.e2e.conftest import client_for, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(databases="__all__", transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for this module (Debian's, installed by scripts/tools).

    Module-scoped so that the allowance below ends with the browser tests.
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/tools (make test does)")
    # Playwright's sync API keeps an asyncio loop running on the main thread, so Django
    # would refuse the tests' own ORM calls as made "from an async context" for as long
    # as the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server, request) -> Iterator[Page]:
    """A fresh browser context on the live server; a screenshot in /tmp if the test fails."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(5_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot = Path("/tmp") / f"shop-admin-{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
    context.close()


@pytest.fixture
def staff_page(page: Page) -> Page:
    """A page logged in to the admin as a superuser, through the login form."""
    get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)
    page.goto("/admin/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_title(re.compile("Site administration"))
    return page


def run_action(page: Page, action: str, *, selected: str) -> None:
    """Tick one changelist row, choose an action and run it."""
    page.locator(f'input[name="_selected_action"][value="{selected}"]').check()
    page.locator('select[name="action"]').select_option(action)
    page.locator('.actions button[name="index"]').click()


def test_staff_log_in_and_see_each_app(staff_page: Page):
    sections = staff_page.locator("#content-main caption a.section")
    for section in ("Inventory", "Orders", "Payments"):
        expect(sections.filter(has_text=re.compile(f"^{section}$"))).to_have_count(1)
    expect(staff_page.locator("#user-tools")).to_contain_text("boss")


def test_restock_from_a_sku_search_shows_the_new_stock(staff_page: Page, catalog):
    page = staff_page
    page.goto("/admin/inventory/product/")
    page.locator("#searchbar").fill("LAST-ONES")
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("th, td").filter(has_text="LAST-ONES").first).to_be_visible()

    product = Product.objects.get(sku="LAST-ONES")
    run_action(page, "restock", selected=str(product.pk))
    expect(page.get_by_role("heading", name="Restock products")).to_be_visible()
    page.get_by_label("Units to add").fill("7")
    page.get_by_role("button", name="Restock").click()

    expect(page.locator(".messagelist")).to_contain_text("Added 7 units to LAST-ONES.")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-on_hand")).to_have_text("17")
    expect(rows.first.locator("td.field-available")).to_have_text("17")
    product.stock.refresh_from_db()
    assert (product.stock.on_hand, product.stock.available) == (17, 17)


def test_ship_an_order_placed_through_the_api(staff_page: Page, catalog):
    order_id = place(client_for("alice")).json()["id"]
    page = staff_page

    page.goto(f"/admin/orders/order/{order_id}/change/")
    expect(page.locator(".field-status .readonly")).to_have_text("confirmed")
    expect(page.locator(".field-reservation_state .readonly")).to_have_text(
        "reserved, held until shipped or cancelled"
    )
    expect(page.locator(".field-payment_state .readonly")).to_contain_text(
        "authorized; captured 0, refunded 0"
    )

    page.goto("/admin/orders/order/")
    run_action(page, "ship_orders", selected=order_id)

    expect(page.locator(".messagelist")).to_contain_text("Shipped 1 order(s).")
    row = page.locator("#result_list tbody tr").filter(has_text=order_id)
    expect(row.locator("td.field-status")).to_have_text("shipped")
    assert Order.objects.get(pk=order_id).status == "shipped"
    payment = Payment.objects.get(order_id=order_id)
    assert (payment.status, payment.captured_minor) == ("captured", 3980)


def test_an_apps_outbox_lists_its_messages(staff_page: Page, catalog):
    place(client_for("alice"))
    names = set(OutboxMessage.objects.using("orders").values_list("name", flat=True))
    assert names

    staff_page.goto("/admin/events/outboxmessage/?database=orders")
    results = staff_page.locator("#result_list tbody")
    for name in names:
        expect(results.locator("td.field-name").filter(has_text=name).first).to_be_visible()
    count = OutboxMessage.objects.using("orders").count()
    expect(results.locator("tr")).to_have_count(count)
