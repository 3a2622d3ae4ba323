"""Each domain app describes itself in its AppConfig, truthfully: the platform builds
databases, bindings, routes and the module map from these descriptions."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from shop.platform.bindings import binding_settings
from shop.platform.checks import check_used_contracts_are_bound
from shop.platform.domains import (
    DomainAppConfig,
    describe_apps,
    installed_domain_apps,
    select_apps,
)
from shop.platform.modulemap import _protocols_imported_by, contract_protocols

APPS = installed_domain_apps()


def test_every_domain_app_describes_itself_and_is_served_by_default():
    assert [app.label for app in APPS] == list(settings.DOMAIN_APPS)
    assert all(isinstance(app, DomainAppConfig) for app in APPS)


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.label)
def test_an_apps_description_names_real_things(app):
    assert getattr(import_string(app.contract), "_is_protocol", False)
    assert settings.SHOP_BINDINGS[app.contract] == app.facade
    assert import_string(f"{app.api_urls}.urlpatterns")
    assert app.database_alias in settings.DATABASES


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.label)
def test_an_app_declares_exactly_the_contracts_it_imports(app):
    imported = _protocols_imported_by(Path(app.path), contract_protocols())

    assert set(app.uses) == imported - {app.contract}


def test_a_contract_used_but_served_nowhere_is_reported(settings):
    bindings = dict(settings.SHOP_BINDINGS)
    del bindings["contracts.inventory.InventoryService"]
    settings.SHOP_BINDINGS = bindings

    [error] = check_used_contracts_are_bound()

    assert error.id == "shop.E005"
    assert "orders uses contracts.inventory.InventoryService" in error.msg
    assert "INVENTORY_SERVICE_URL" in error.hint


def test_a_process_binds_only_the_contracts_of_the_apps_it_serves():
    payments, orders = describe_apps(["shop.payments", "shop.orders"])

    assert binding_settings([payments], {}) == {
        "contracts.payments.PaymentsService": "shop.payments.facade.PaymentsFacade"
    }
    # Without a service URL, the contracts orders uses stay unbound (shop.E005 says so).
    assert set(binding_settings([orders], {})) == {"contracts.orders.OrdersService"}


def test_shop_apps_selects_by_name_and_refuses_unknown_names():
    available = {"inventory": "shop.inventory", "payments": "shop.payments"}

    assert select_apps(None, available=available) == ["inventory", "payments"]
    assert select_apps(" payments, payments ", available=available) == ["payments"]
    with pytest.raises(ImproperlyConfigured, match=r"unknown app.*'shipping'"):
        select_apps("payments,shipping", available=available)
    with pytest.raises(ImproperlyConfigured, match="empty"):
        select_apps(",", available=available)


def test_a_module_that_is_not_a_domain_app_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not a domain app"):
        describe_apps(["shop.platform"])
