"""Every contract is bound to an implementation of its Protocol; misbindings stop start-up."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils.module_loading import import_string

from contracts.inventory import InventoryService
from contracts.orders import OrdersService
from contracts.payments import PaymentsService
from shop.platform import bindings
from shop.platform.bindings import bound, protocol_methods
from shop.platform.checks import check_bindings

CONTRACTS = [InventoryService, PaymentsService, OrdersService]


def test_every_published_contract_is_bound():
    assert set(settings.SHOP_BINDINGS) == {bindings.contract_path(c) for c in CONTRACTS}


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.__name__)
def test_every_binding_implements_its_protocol(contract):
    target = import_string(settings.SHOP_BINDINGS[bindings.contract_path(contract)])
    for method in protocol_methods(contract):
        assert callable(getattr(target, method, None)), f"{target} lacks {method}()"
    assert check_bindings() == []


def test_a_binding_to_a_missing_class_fails_the_system_check(settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.payments.PaymentsService": "shop.payments.facade.NoSuchFacade",
    }
    with pytest.raises(SystemCheckError) as failure:
        call_command("check")
    message = str(failure.value)
    assert "shop.E003" in message
    assert "contracts.payments.PaymentsService -> shop.payments.facade.NoSuchFacade" in message


class HalfAnInventory:
    def reserve(self, **kwargs):
        return "reserved"


def test_a_binding_lacking_a_method_is_named_by_the_check(settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{__name__}.HalfAnInventory",
    }
    messages = [str(error.msg) for error in check_bindings() if error.id == "shop.E004"]
    assert f"{__name__}.HalfAnInventory does not define commit()." in " ".join(messages)
    assert not any("reserve()" in message for message in messages)


def test_calls_through_a_binding_pass_the_central_wrapper(settings, monkeypatch):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{__name__}.HalfAnInventory",
    }
    seen = []

    def recording_wrapper(contract, method, call, args, kwargs):
        seen.append((contract, method, kwargs))
        return call(*args, **kwargs)

    monkeypatch.setattr(bindings, "call_through_binding", recording_wrapper)

    assert bound(InventoryService).reserve(order_id=1) == "reserved"
    assert seen == [("inventory.reserve", "reserve", {"order_id": 1})]


def test_only_contract_methods_are_reachable_through_a_binding():
    with pytest.raises(AttributeError, match="has no method _private"):
        bound(InventoryService)._private  # noqa: B018
