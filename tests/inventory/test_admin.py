"""The inventory admin, driven by staff (never superusers) through the Django test client."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from contracts.inventory import StockLine
from shop.inventory.facade import InventoryFacade
from shop.inventory.models import Product, Reservation, Stock

pytestmark = pytest.mark.django_db(databases="__all__")

PRODUCTS = "/admin/inventory/product/"
RESERVATIONS = "/admin/inventory/reservation/"


@pytest.fixture
def admin_client() -> Client:
    """Warehouse staff: every inventory permission, and nothing else (not a superuser)."""
    user = get_user_model().objects.create_user(username="wes", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="inventory"))
    client = Client()
    client.force_login(user)
    return client


def test_products_are_listed_with_their_stock_and_searchable(admin_client, make_product):
    make_product("TEE-BLACK-M", stock=10, name="T-shirt black")
    make_product("MUG-LOGO", stock=4, name="Mug")
    InventoryFacade().reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 3)])

    page = admin_client.get(PRODUCTS, {"q": "shirt"})

    assert page.status_code == 200
    rows = page.context["cl"].result_list
    assert [product.sku for product in rows] == ["TEE-BLACK-M"]
    content = page.content.decode()
    assert "19.90 EUR" in content
    assert '<td class="field-available">7</td>' in content
    assert admin_client.get(PRODUCTS, {"q": "MUG-LOGO"}).context["cl"].result_count == 1


def test_the_restock_action_asks_for_a_quantity_then_restocks_through_the_service(
    admin_client, make_product, django_capture_on_commit_callbacks
):
    first, second = make_product("TEE-BLACK-M", stock=1), make_product("MUG-LOGO", stock=2)
    selected = {"action": "restock", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}

    form = admin_client.post(PRODUCTS, selected)
    assert form.status_code == 200
    assert b'name="quantity"' in form.content
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 1

    invalid = admin_client.post(PRODUCTS, {**selected, "apply": "Restock", "quantity": "0"})
    assert invalid.status_code == 200
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 1

    with django_capture_on_commit_callbacks(using="inventory", execute=True) as callbacks:
        done = admin_client.post(PRODUCTS, {**selected, "apply": "Restock", "quantity": "5"})

    assert done.status_code == 302
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 6
    assert Stock.objects.get(product_id="MUG-LOGO").on_hand == 7
    assert callbacks, "the catalog cache is refreshed after the restock commits"
    assert Client().get("/api/v1/products/TEE-BLACK-M/").json()["available"] == 6


def test_a_product_added_in_the_admin_gets_its_stock(admin_client):
    response = admin_client.post(
        f"{PRODUCTS}add/",
        {
            "sku": "CAP-NAVY",
            "name": "Cap",
            "price": "14.90",
            "currency": "EUR",
            "active": "on",
            "low_stock_threshold": "5",
            "initial_stock": "8",
            "stock-TOTAL_FORMS": "0",
            "stock-INITIAL_FORMS": "0",
            "stock-MIN_NUM_FORMS": "0",
            "stock-MAX_NUM_FORMS": "1",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Stock.objects.get(product_id="CAP-NAVY").on_hand == 8


def test_editing_a_product_goes_through_the_service(admin_client, make_product):
    product = make_product("CAP-NAVY", stock=8)
    form = admin_client.get(f"{PRODUCTS}{product.pk}/change/")
    assert form.status_code == 200
    assert b"On hand" in form.content or b"on hand" in form.content

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        {
            "name": "Cap, navy",
            "price": "15.90",
            "currency": "XXX",
            "low_stock_threshold": "5",
            "stock-TOTAL_FORMS": "1",
            "stock-INITIAL_FORMS": "1",
            "stock-MIN_NUM_FORMS": "0",
            "stock-MAX_NUM_FORMS": "1",
            "stock-0-product": "CAP-NAVY",
        },
    )
    assert response.status_code == 200  # XXX is not a currency
    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        {
            "name": "Cap, navy",
            "price": "15.90",
            "currency": "EUR",
            "low_stock_threshold": "5",
            "stock-TOTAL_FORMS": "1",
            "stock-INITIAL_FORMS": "1",
            "stock-MIN_NUM_FORMS": "0",
            "stock-MAX_NUM_FORMS": "1",
            "stock-0-product": "CAP-NAVY",
        },
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price_minor, product.active) == ("Cap, navy", 1590, False)
    assert Stock.objects.get(product_id="CAP-NAVY").on_hand == 8


def test_reservations_are_read_only_and_filter_by_state_and_expiry(admin_client, make_product):
    make_product("TEE-BLACK-M", stock=10)
    inventory = InventoryFacade()
    open_id, released_id = uuid.uuid4(), uuid.uuid4()
    inventory.reserve(order_id=open_id, lines=[StockLine("TEE-BLACK-M", 1)])
    inventory.reserve(order_id=released_id, lines=[StockLine("TEE-BLACK-M", 2)])
    inventory.release(order_id=released_id)
    Reservation.objects.filter(order_id=released_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    by_state = admin_client.get(RESERVATIONS, {"state": "released"})
    past = admin_client.get(RESERVATIONS, {"expiry": "past"})
    searched = admin_client.get(RESERVATIONS, {"q": str(open_id)})
    reservation = Reservation.objects.get(order_id=open_id)
    detail = admin_client.get(f"{RESERVATIONS}{reservation.pk}/change/")

    assert [r.order_id for r in by_state.context["cl"].result_list] == [released_id]
    assert [r.order_id for r in past.context["cl"].result_list] == [released_id]
    assert [r.order_id for r in searched.context["cl"].result_list] == [open_id]
    assert admin_client.get(RESERVATIONS, {"q": "not-a-uuid"}).status_code == 200
    assert detail.status_code == 200
    assert b"TEE-BLACK-M" in detail.content
    assert not detail.context["has_change_permission"]
    assert admin_client.get(f"{RESERVATIONS}add/").status_code == 403
    assert admin_client.post(f"{RESERVATIONS}{reservation.pk}/delete/").status_code == 403
    assert Reservation.objects.count() == 2
    assert Product.objects.count() == 1


def staff_with(*codenames: str) -> Client:
    """A staff member (never a superuser) holding only these inventory permissions."""
    user = get_user_model().objects.create_user(username="-".join(codenames), is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="inventory", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


def test_only_staff_allowed_to_restock_are_offered_the_action(make_product):
    product = make_product("TEE-BLACK-M", stock=1)
    viewer = staff_with("view_product")
    warehouse = staff_with("view_product", "restock")
    chosen = {"action": "restock", ACTION_CHECKBOX_NAME: [product.pk], "apply": "Restock"}

    offered = warehouse.get(PRODUCTS).context["action_form"].fields["action"].choices
    forged = viewer.post(PRODUCTS, {**chosen, "quantity": "5"}, follow=True)
    done = warehouse.post(PRODUCTS, {**chosen, "quantity": "5"}, follow=True)

    assert "restock" in {name for name, _ in offered}
    assert viewer.get(PRODUCTS).context["action_form"] is None
    assert forged.status_code == 200
    assert "Added 5 units to TEE-BLACK-M." in [str(m) for m in done.context["messages"]]
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 6
    assert viewer.get(f"{PRODUCTS}add/").status_code == 403


def test_a_price_finer_than_its_currency_is_refused(admin_client, make_product):
    product = make_product("CAP-NAVY", stock=8, price=1490)
    form = admin_client.get(f"{PRODUCTS}{product.pk}/change/")
    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        {
            "name": "Cap",
            "price": "15.905",
            "currency": "EUR",
            "low_stock_threshold": "5",
            "stock-TOTAL_FORMS": "1",
            "stock-INITIAL_FORMS": "1",
            "stock-MIN_NUM_FORMS": "0",
            "stock-MAX_NUM_FORMS": "1",
            "stock-0-product": "CAP-NAVY",
        },
    )

    assert 'value="14.90"' in form.text
    assert response.status_code == 200
    assert "EUR amounts have at most 2 decimal places." in response.text
    product.refresh_from_db()
    assert product.price_minor == 1490


def test_a_price_or_stock_too_large_is_refused_not_a_server_error(admin_client):
    def add(price: str, stock: str):
        return admin_client.post(
            f"{PRODUCTS}add/",
            {
                "sku": "CAP-NAVY",
                "name": "Cap",
                "price": price,
                "currency": "EUR",
                "active": "on",
                "low_stock_threshold": "5",
                "initial_stock": stock,
                "stock-TOTAL_FORMS": "0",
                "stock-INITIAL_FORMS": "0",
                "stock-MIN_NUM_FORMS": "0",
                "stock-MAX_NUM_FORMS": "1",
            },
        )

    priced = add("99999999999999999.99", "8")
    stocked = add("14.90", "99999999999999999999")

    assert priced.status_code == stocked.status_code == 200
    assert "The price is too large." in priced.text
    assert "initial_stock" in stocked.context["adminform"].form.errors
    assert not Stock.objects.exists()
