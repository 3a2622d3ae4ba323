"""Fixtures of the inventory tests: the catalog through its services, API clients."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.inventory import services


@pytest.fixture(autouse=True)
def empty_cache():
    # Each test starts with a cold catalog cache, whatever earlier tests left.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_product():
    def make(sku: str = "TEE-BLACK-M", *, stock: int = 10, price: int = 1990, **extra):
        return services.create_product(
            sku=sku,
            name=extra.pop("name", f"Product {sku}"),
            price_minor=price,
            currency=extra.pop("currency", "EUR"),
            stock=stock,
            **extra,
        )

    return make


def _client_for(username: str, *, staff: bool, permissions: tuple[str, ...] = ()) -> APIClient:
    user = get_user_model().objects.create_user(username=username, is_staff=staff)
    user.user_permissions.add(
        *(
            Permission.objects.get(content_type__app_label="inventory", codename=codename)
            for codename in permissions
        )
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def customer() -> APIClient:
    return _client_for("customer", staff=False)


@pytest.fixture
def staff() -> APIClient:
    """Warehouse staff: may add products and restock them."""
    return _client_for("staff", staff=True, permissions=("add_product", "restock"))


@pytest.fixture
def support_staff() -> APIClient:
    """Staff who may only look: ``is_staff`` without inventory's permissions."""
    return _client_for("support", staff=True, permissions=("view_product",))
