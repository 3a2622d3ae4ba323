"""The demo catalog and the OpenAPI description of the catalog endpoints."""

from __future__ import annotations

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from shop.inventory.demo import DEMO_PRODUCTS, seed_catalog
from shop.inventory.models import Product, Stock
from shop.platform.demo import demo_seeders


@pytest.mark.django_db(databases="__all__")
def test_the_demo_catalog_loads_once_however_often_it_is_seeded():
    first, second = [], []

    seed_catalog(first.append)
    seed_catalog(second.append)

    assert Product.objects.count() == len(DEMO_PRODUCTS) >= 8
    assert Stock.objects.get(product_id="TEE-BLACK-M").on_hand == 100
    assert sum("created" in line for line in first) == len(DEMO_PRODUCTS)
    assert sum("already there" in line for line in second) == len(DEMO_PRODUCTS)
    assert any(s.seed is seed_catalog and s.order == 10 for s in demo_seeders())


def test_the_schema_describes_every_catalog_endpoint_without_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("shop.inventory.http.urls"))])

    schema = generator.get_schema(request=None, public=True)

    assert not GENERATOR_STATS, dict(GENERATOR_STATS._warn_cache | GENERATOR_STATS._error_cache)
    paths = schema["paths"]
    codes = {
        (route, method): set(operation["responses"])
        for route, operations in paths.items()
        for method, operation in operations.items()
    }
    assert codes == {
        ("/api/v1/products/", "get"): {"200", "400"},
        ("/api/v1/products/", "post"): {"201", "400", "401", "403", "409"},
        ("/api/v1/products/{sku}/", "get"): {"200", "404"},
        ("/api/v1/products/{sku}/restock/", "post"): {"200", "400", "401", "403", "404"},
    }
    components = schema["components"]["schemas"]
    assert set(components["Product"]["properties"]) == {"sku", "name", "price", "available"}
    assert set(components["PaginatedProductList"]["properties"]) >= {"results", "next"}
    assert components["ProductCreate"]["required"] == ["name", "price", "sku", "stock"]
