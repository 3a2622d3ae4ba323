"""Every row of API.md § Catalog."""

from __future__ import annotations

import pytest

from shop.inventory.models import Product, Stock

pytestmark = pytest.mark.django_db(databases="__all__")

PRODUCT = {
    "sku": "TEE-BLACK-M",
    "name": "T-shirt, black, M",
    "price": {"amount": "19.90", "currency": "EUR"},
    "stock": 12,
}


def assert_problem(response, status: int, type_suffix: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].endswith(f"/{type_suffix}")
    assert body["title"] and body["detail"]
    return body


def test_anyone_lists_the_active_catalog_with_prices_as_decimal_strings(anonymous, make_product):
    make_product("TEE-BLACK-M", stock=12, price=1990)
    make_product("MUG-LOGO", stock=0, price=500, currency="JPY")
    make_product("OLD-TEE", active=False)

    response = anonymous.get("/api/v1/products/")

    assert response.status_code == 200
    assert response.json()["next"] is None
    assert response.json()["results"] == [
        {
            "sku": "MUG-LOGO",
            "name": "Product MUG-LOGO",
            "price": {"amount": "500", "currency": "JPY"},
            "available": 0,
        },
        {
            "sku": "TEE-BLACK-M",
            "name": "Product TEE-BLACK-M",
            "price": {"amount": "19.90", "currency": "EUR"},
            "available": 12,
        },
    ]


def test_the_catalog_is_paginated_by_cursor(anonymous, make_product):
    for index in range(5):
        make_product(f"SKU-{index}")

    first = anonymous.get("/api/v1/products/?limit=2").json()
    second = anonymous.get(first["next"]).json()
    third = anonymous.get(second["next"]).json()

    pages = [[p["sku"] for p in page["results"]] for page in (first, second, third)]
    assert pages == [["SKU-0", "SKU-1"], ["SKU-2", "SKU-3"], ["SKU-4"]]
    assert third["next"] is None


def test_anyone_gets_a_product_by_sku(anonymous, make_product):
    make_product("TEE-BLACK-M", stock=12, price=1990)

    response = anonymous.get("/api/v1/products/TEE-BLACK-M/")

    assert response.status_code == 200
    assert response.json() == {
        "sku": "TEE-BLACK-M",
        "name": "Product TEE-BLACK-M",
        "price": {"amount": "19.90", "currency": "EUR"},
        "available": 12,
    }


@pytest.mark.parametrize(
    "sku", ["NO-SUCH-SKU", "OLD-TEE", "not%20a%20sku"], ids=["unknown", "inactive", "malformed"]
)
def test_a_product_outside_the_catalog_is_not_found(anonymous, make_product, sku):
    make_product("OLD-TEE", active=False)

    assert_problem(anonymous.get(f"/api/v1/products/{sku}/"), 404, "not-found")


def test_staff_add_a_product(staff):
    response = staff.post("/api/v1/products/", PRODUCT, format="json")

    assert response.status_code == 201
    assert response["Location"] == "/api/v1/products/TEE-BLACK-M/"
    assert response.json() == {
        "sku": "TEE-BLACK-M",
        "name": "T-shirt, black, M",
        "price": {"amount": "19.90", "currency": "EUR"},
        "available": 12,
    }
    product = Product.objects.get(sku="TEE-BLACK-M")
    assert (product.price_minor, product.currency, product.active) == (1990, "EUR", True)
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 12


def test_adding_a_sku_that_exists_is_a_conflict(staff, make_product):
    make_product("TEE-BLACK-M", stock=3)

    body = assert_problem(
        staff.post("/api/v1/products/", PRODUCT, format="json"), 409, "product-exists"
    )

    assert body["sku"] == "TEE-BLACK-M"
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": {"amount": "19.905", "currency": "EUR"}}, "price.amount"),
        ({"price": {"amount": "500.5", "currency": "JPY"}}, "price.amount"),
        ({"price": {"amount": "-1.00", "currency": "EUR"}}, "price.amount"),
        ({"price": {"amount": "ten", "currency": "EUR"}}, "price.amount"),
        ({"price": {"amount": "19.90", "currency": "EURO"}}, "price.currency"),
        ({"price": {"amount": "19.90", "currency": "XYZ"}}, "price.currency"),
        ({"price": {"amount": "19.90"}}, "price.currency"),
        ({"stock": -1}, "stock"),
        ({"stock": "many"}, "stock"),
        ({"sku": "has space"}, "sku"),
        ({"sku": ""}, "sku"),
        ({"name": ""}, "name"),
        ({"price": None}, "price"),
    ],
)
def test_an_invalid_product_is_refused_and_nothing_is_created(staff, change, field):
    body = assert_problem(
        staff.post("/api/v1/products/", {**PRODUCT, **change}, format="json"),
        400,
        "validation-error",
    )

    assert field in [error["field"] for error in body["errors"]]
    assert not Product.objects.exists()


def test_a_body_that_is_not_json_is_refused(staff):
    response = staff.post("/api/v1/products/", "{not json", content_type="application/json")

    assert_problem(response, 400, "validation-error")


def test_missing_fields_are_each_named(staff):
    body = assert_problem(
        staff.post("/api/v1/products/", {}, format="json"), 400, "validation-error"
    )

    assert {e["field"] for e in body["errors"]} == {"sku", "name", "price", "stock"}


def test_anonymous_clients_may_not_add_products(anonymous):
    assert_problem(
        anonymous.post("/api/v1/products/", PRODUCT, format="json"), 401, "not-authenticated"
    )
    assert not Product.objects.exists()


def test_customers_may_not_add_products(customer):
    assert_problem(
        customer.post("/api/v1/products/", PRODUCT, format="json"), 403, "permission-denied"
    )
    assert not Product.objects.exists()


def test_staff_restock_a_product(staff, make_product):
    make_product("TEE-BLACK-M", stock=2)

    response = staff.post("/api/v1/products/TEE-BLACK-M/restock/", {"quantity": 5}, format="json")

    assert response.status_code == 200
    assert response.json()["available"] == 7
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 7


def test_restocking_past_two_billion_units_still_counts(staff, make_product):
    make_product("TEE-BLACK-M", stock=1_000_000_000)

    for _ in range(2):
        response = staff.post(
            "/api/v1/products/TEE-BLACK-M/restock/", {"quantity": 1_000_000_000}, format="json"
        )
        assert response.status_code == 200

    assert response.json()["available"] == 3_000_000_000


@pytest.mark.parametrize("body", [{"quantity": 0}, {"quantity": -3}, {"quantity": "x"}, {}])
def test_restocking_needs_a_positive_quantity(staff, make_product, body):
    make_product("TEE-BLACK-M", stock=2)

    problem = assert_problem(
        staff.post("/api/v1/products/TEE-BLACK-M/restock/", body, format="json"),
        400,
        "validation-error",
    )

    assert problem["errors"][0]["field"] == "quantity"
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 2


def test_restocking_an_unknown_sku_is_not_found(staff):
    assert_problem(
        staff.post("/api/v1/products/NO-SUCH-SKU/restock/", {"quantity": 1}, format="json"),
        404,
        "not-found",
    )


def test_only_staff_restock(anonymous, customer, make_product):
    make_product("TEE-BLACK-M", stock=2)
    url = "/api/v1/products/TEE-BLACK-M/restock/"

    assert_problem(anonymous.post(url, {"quantity": 5}, format="json"), 401, "not-authenticated")
    assert_problem(customer.post(url, {"quantity": 5}, format="json"), 403, "permission-denied")
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 2


def test_staff_without_the_permissions_may_not_add_or_restock(support_staff, make_product):
    make_product("MUG-LOGO", stock=2)

    added = support_staff.post("/api/v1/products/", PRODUCT, format="json")
    restocked = support_staff.post(
        "/api/v1/products/MUG-LOGO/restock/", {"quantity": 5}, format="json"
    )

    assert_problem(added, 403, "permission-denied")
    assert "inventory.add_product" in added.json()["detail"]
    assert_problem(restocked, 403, "permission-denied")
    assert "inventory.restock" in restocked.json()["detail"]
    assert list(Product.objects.values_list("sku", flat=True)) == ["MUG-LOGO"]
    assert Stock.objects.get(product_id="MUG-LOGO").on_hand == 2
