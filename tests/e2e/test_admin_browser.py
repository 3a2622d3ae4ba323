"""Staff work in the Django admin, driven in a real Chromium against a live server
serving the real apps on the test databases.

Each person logs in as the staff member they are (support, warehouse, finance: the
groups of shop.platform.roles), never as a superuser, and walks through their day.
Every page they see is kept as a screenshot under var/test-artifacts/admin-browser/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from shop.inventory.models import Product
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.platform.events.delivery import deliver_batch
from shop.platform.events.models import OutboxMessage
from shop.platform.roles import ensure_staff_groups
from tests.e2e.conftest import client_for, place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(databases="__all__", transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "admin-browser"


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


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    # The live server runs in this process: the people log in without a slow hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser: Browser, live_server, request) -> Iterator[Page]:
    """A fresh browser context on the live server; a screenshot in /tmp if the test fails."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot = Path("/tmp") / f"shop-admin-{request.node.name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")
    context.close()


def log_in(page: Page, username: str, *roles: str) -> Page:
    """Log ``username`` in through the admin's form: a staff member in ``roles``."""
    ensure_staff_groups()
    user = get_user_model().objects.create_user(
        username, f"{username}@shop.test", PASSWORD, is_staff=True
    )
    user.groups.add(*Group.objects.filter(name__in=roles))
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_title(re.compile("Site administration"))
    return page


def shot(page: Page, name: str) -> None:
    """Keep what the person sees now as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_action(page: Page, action: str, *, selected: str) -> None:
    """Tick one changelist row, choose an action and run it."""
    page.locator(f'input[name="_selected_action"][value="{selected}"]').check()
    page.locator('select[name="action"]').select_option(action)
    page.locator('.actions button[name="index"]').click()


@pytest.fixture
def alices_order(catalog) -> str:
    """A confirmed order of alice (alice@example.com): 2 x TEE-BLACK-M, 39.80 EUR."""
    order_id = place(client_for("alice")).json()["id"]
    get_user_model().objects.filter(username="alice").update(email="alice@example.com")
    return order_id


def test_a_support_person_finds_an_order_by_email_and_reads_its_story(page: Page, alices_order):
    log_in(page, "sam", "support")
    sections = page.locator("#content-main caption a.section")
    for section in ("Inventory", "Orders", "Payments"):
        expect(sections.filter(has_text=re.compile(f"^{section}$"))).to_have_count(1)
    shot(page, "support-home")

    page.goto("/admin/orders/order/")
    page.locator("#searchbar").fill("alice@example.com")
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-customer")).to_contain_text("alice")
    expect(rows.first.locator("td.field-customer")).to_contain_text("alice@example.com")
    expect(rows.first.locator("td.field-total")).to_have_text("39.80 EUR")
    expect(rows.first.locator("td.field-payment")).to_have_text("authorized")
    # Support may cancel, never ship or refund.
    options = page.locator('select[name="action"] option')
    expect(options.filter(has_text="Ship")).to_have_count(0)
    expect(options.filter(has_text="Refund")).to_have_count(0)
    shot(page, "support-orders-by-email")

    rows.first.locator("th a").click()
    expect(page.locator(".field-status .readonly")).to_have_text("confirmed")
    expect(page.locator(".field-total .readonly")).to_have_text("39.80 EUR")
    expect(page.locator("table.order-lines tbody tr")).to_have_text(
        re.compile(r"TEE-BLACK-M\s*2\s*19.90 EUR\s*39.80 EUR")
    )
    expect(page.locator(".field-reservation_state .readonly")).to_have_text(
        "reserved: 2 x TEE-BLACK-M, held until shipped or cancelled"
    )
    expect(page.locator(".field-payment_state .readonly")).to_contain_text(
        "authorized: 39.80 EUR authorized, 0.00 EUR captured"
    )
    timeline = page.locator("table.order-timeline tbody tr")
    expect(timeline.first).to_contain_text("Order confirmed: 39.80 EUR")
    expect(timeline.last).to_contain_text("Order placed for 39.80 EUR")
    for step in ("Stock reserved: 2 x TEE-BLACK-M", "Asked simulated to authorize 39.80 EUR"):
        expect(timeline.filter(has_text=step)).to_have_count(1)
    expect(page.locator(".field-driven_until")).to_be_hidden()  # "Processing", collapsed
    expect(page.get_by_role("link", name="Ship…")).to_have_count(0)
    expect(page.get_by_role("link", name="Refund…")).to_have_count(0)
    shot(page, "support-order-page")


def test_the_warehouse_ships_an_order_and_finance_refunds_it(page: Page, alices_order):
    order_id = alices_order
    log_in(page, "wes", "warehouse")
    page.goto(f"/admin/orders/order/{order_id}/change/")
    page.get_by_role("link", name="Ship…").click()
    expect(page.locator(".act-plan")).to_contain_text(
        "Capture of 39.80 EUR; 2 x TEE-BLACK-M committed from stock."
    )
    shot(page, "warehouse-confirm-ship")
    assert Order.objects.get(pk=order_id).status == "confirmed"

    page.get_by_role("button", name="Yes, ship").click()
    expect(page.locator(".messagelist")).to_have_text(
        f"Order {order_id} shipped: 39.80 EUR captured, 2 x TEE-BLACK-M committed from stock."
    )
    expect(page.locator(".field-status .readonly")).to_have_text("shipped")
    timeline = page.locator("table.order-timeline tbody tr")
    expect(timeline.filter(has_text="Stock committed: 2 x TEE-BLACK-M")).to_have_count(1)
    expect(timeline.filter(has_text="Asked simulated to capture 39.80 EUR")).to_have_count(1)
    expect(page.get_by_role("link", name="Refund…")).to_have_count(0)
    shot(page, "warehouse-shipped")

    log_in(page, "fay", "finance")
    page.goto(f"/admin/orders/order/{order_id}/change/")
    page.get_by_role("link", name="Refund…").click()
    expect(page.locator(".act-plan")).to_contain_text("Refund of 39.80 EUR to the customer.")
    shot(page, "finance-confirm-refund")
    page.get_by_role("button", name="Yes, refund").click()
    expect(page.locator(".messagelist")).to_have_text(
        f"Order {order_id} refunded: 39.80 EUR returned to the customer."
    )
    expect(page.locator(".field-payment_state .readonly")).to_contain_text(
        "refunded: 39.80 EUR authorized, 39.80 EUR captured, 39.80 EUR refunded"
    )
    shot(page, "finance-refunded")
    assert Order.objects.get(pk=order_id).status == "refunded"
    payment = Payment.objects.get(order_id=order_id)
    assert (payment.status, payment.captured_minor, payment.refunded_minor) == (
        "refunded",
        3980,
        3980,
    )


def test_a_refused_act_says_why(page: Page, catalog):
    declined = place(client_for("bob"), method="pm_card_chargeDeclined").json()["order_id"]
    log_in(page, "wes", "warehouse")
    page.goto("/admin/orders/order/")
    run_action(page, "ship_orders", selected=declined)
    expect(page.locator(".act-plan")).to_contain_text(
        "Will be refused: it is payment_failed; only confirmed orders can be shipped."
    )
    expect(page.get_by_role("button", name="Yes, ship")).to_have_count(0)
    shot(page, "warehouse-refused-ship")
    assert Order.objects.get(pk=declined).status == "payment_failed"


def test_the_warehouse_restocks_from_a_sku_search(page: Page, catalog):
    log_in(page, "wes", "warehouse")
    page.goto("/admin/inventory/product/")
    page.locator("#searchbar").fill("LAST-ONES")
    page.locator("#searchbar").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-price")).to_have_text("5.00 EUR")

    product = Product.objects.get(sku="LAST-ONES")
    run_action(page, "restock", selected=str(product.pk))
    expect(page.get_by_role("heading", name="Restock products")).to_be_visible()
    page.get_by_label("Units to add").fill("7")
    page.get_by_role("button", name="Restock").click()

    expect(page.locator(".messagelist")).to_contain_text("Added 7 units to LAST-ONES.")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-on_hand")).to_have_text("17")
    expect(rows.first.locator("td.field-available")).to_have_text("17")
    shot(page, "warehouse-restocked")
    product.stock.refresh_from_db()
    assert (product.stock.on_hand, product.stock.available) == (17, 17)


def test_support_see_a_parked_event_and_re_drive_it(page: Page, alices_order):
    order_id = alices_order
    # What the worker leaves after SHOP_EVENTS_MAX_ATTEMPTS failed deliveries.
    confirmed = OutboxMessage.objects.using("orders").get(name="orders.order_confirmed")
    OutboxMessage.objects.using("orders").filter(pk=confirmed.pk).update(
        delivered_at=None, parked_at=timezone.now(), attempts=8, last_error="OrderBusy: try later"
    )
    log_in(page, "sam", "support")

    page.get_by_role("link", name="Operations").first.click()
    parked = page.locator("tr.operations-item", has_text="Parked orders events")
    expect(parked.locator("td.count")).to_have_text("1")
    shot(page, "support-operations")

    page.goto(f"/admin/orders/order/{order_id}/change/")
    story = page.locator("table.order-timeline tbody tr", has_text="Order confirmed")
    expect(story).to_contain_text("parked after 8 failed deliveries: OrderBusy: try later")
    shot(page, "support-order-with-parked-event")

    page.goto("/admin/operations/")
    parked.locator("a").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td.field-name")).to_have_text("orders.order_confirmed")
    run_action(page, "redrive_parked", selected=str(confirmed.pk))
    expect(page.locator(".messagelist")).to_contain_text(
        "1 parked message(s) of the orders outbox will be delivered again."
    )
    shot(page, "support-redriven")

    deliver_batch("orders", batch_size=10)  # the worker's next pass
    page.goto(f"/admin/orders/order/{order_id}/change/")
    expect(story).to_contain_text("delivered")
    message = OutboxMessage.objects.using("orders").get(pk=confirmed.pk)
    assert message.parked_at is None and message.delivered_at is not None


def test_an_apps_outbox_lists_its_messages(page: Page, catalog):
    place(client_for("alice"))
    names = set(OutboxMessage.objects.using("orders").values_list("name", flat=True))
    assert names

    log_in(page, "sam", "support")
    page.goto("/admin/events/outboxmessage/?database=orders")
    results = page.locator("#result_list tbody")
    for name in names:
        expect(results.locator("td.field-name").filter(has_text=name).first).to_be_visible()
    count = OutboxMessage.objects.using("orders").count()
    expect(results.locator("tr")).to_have_count(count)
    shot(page, "support-outbox")
