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


class DriftedPayments:
    """Every method of PaymentsService is here, but ``refund`` lost its optional amount
    and ``authorize`` renamed one parameter: a name-only check passes it."""

    def supported_payment_methods(self):
        return frozenset()

    def authorize(self, *, order_id, amount, method):
        return None

    def capture(self, *, order_id):
        return None

    def void(self, *, order_id):
        return None

    def refund(self, *, order_id):
        return None

    def get(self, *, order_id):
        return None

    def get_many(self, *, order_ids):
        return {}


def test_a_binding_whose_signatures_drifted_from_the_contract_fails_the_check(settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.payments.PaymentsService": f"{__name__}.DriftedPayments",
    }

    messages = {str(error.msg) for error in check_bindings() if error.id == "shop.E005"}

    assert messages == {
        "binding contracts.payments.PaymentsService -> "
        f"{__name__}.DriftedPayments: {__name__}.DriftedPayments.authorize() "
        "lacks the parameter 'payment_method'.",
        "binding contracts.payments.PaymentsService -> "
        f"{__name__}.DriftedPayments: {__name__}.DriftedPayments.refund() "
        "lacks the parameter 'amount_minor'.",
    }


class ForgetfulInventory(InventoryService):
    """Declares its Protocol and implements none of it: it inherits the Protocol's stubs."""


def test_a_method_only_inherited_from_the_protocol_is_not_an_implementation(settings):
    settings.SHOP_BINDINGS = {
        **settings.SHOP_BINDINGS,
        "contracts.inventory.InventoryService": f"{__name__}.ForgetfulInventory",
    }

    messages = " ".join(str(error.msg) for error in check_bindings() if error.id == "shop.E004")

    assert f"{__name__}.ForgetfulInventory does not define restock()." in messages
