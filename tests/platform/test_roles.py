"""Staff roles: groups built from what each installed app declares, kept exact."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from shop.platform import roles

pytestmark = pytest.mark.django_db


def perms_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_support_see_orders_but_only_the_warehouse_ships_and_only_finance_refunds(capsys):
    call_command("create_staff_groups")

    support, warehouse, finance = perms_of("support"), perms_of("warehouse"), perms_of("finance")
    assert {"orders.view_order", "payments.view_payment", "auth.view_user"} <= support
    assert "events.change_outboxmessage" in support  # may re-drive parked events
    money_and_stock = {"orders.ship_order", "orders.refund_order", "inventory.restock"}
    assert not support & money_and_stock
    assert {"orders.ship_order", "inventory.restock", "inventory.add_product"} <= warehouse
    assert not warehouse & {"orders.refund_order", "orders.cancel_order"}
    assert "orders.refund_order" in finance and "orders.ship_order" not in finance
    assert "group 'support':" in capsys.readouterr().out


def test_the_groups_are_kept_exactly_as_the_apps_declare_them():
    roles.ensure_staff_groups()
    stray = Permission.objects.get(content_type__app_label="orders", codename="refund_order")
    Group.objects.get(name="support").permissions.add(stray)

    roles.ensure_staff_groups()

    assert "orders.refund_order" not in perms_of("support")
    assert Group.objects.filter(name="support").count() == 1


def test_a_role_naming_an_unknown_permission_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(roles, "staff_roles", lambda: {"support": {"orders.fly_order"}})

    with pytest.raises(CommandError, match=r"no permission orders\.fly_order"):
        call_command("create_staff_groups")
    assert not Group.objects.exists()


def test_create_customer_puts_staff_in_their_role(capsys):
    call_command("create_staff_groups")
    call_command("create_customer", "wes", "--staff", "--role", "warehouse")

    token = capsys.readouterr().out.strip().splitlines()[-1]
    user = get_user_model().objects.get(username="wes")
    assert Token.objects.get(user=user).key == token
    assert user.is_staff and user.has_perm("orders.ship_order")
    assert not user.has_perm("orders.refund_order")


def test_create_customer_refuses_an_unknown_role_creating_nobody():
    with pytest.raises(CommandError, match="unknown role"):
        call_command("create_customer", "zed", "--staff", "--role", "pilots")
    assert not get_user_model().objects.filter(username="zed").exists()
