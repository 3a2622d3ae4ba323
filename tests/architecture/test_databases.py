"""Each app owns its database: its models route there and no relation crosses apps."""

import pytest
from django.apps import apps
from django.db import models, router
from django.test.utils import isolate_apps

from shop.platform.checks import check_no_relation_crosses_apps, cross_app_relations
from shop.platform.domains import app_database_aliases

DOMAIN_APPS = set(app_database_aliases())


def test_no_model_relation_crosses_apps():
    assert check_no_relation_crosses_apps() == []


@pytest.mark.parametrize("app_label", sorted(DOMAIN_APPS))
def test_every_model_of_an_app_routes_to_its_own_alias(app_label):
    for model in apps.get_app_config(app_label).get_models():
        assert router.db_for_read(model) == app_label
        assert router.db_for_write(model) == app_label
        assert router.allow_migrate_model(app_label, model)
        for other in {"default", *DOMAIN_APPS} - {app_label}:
            assert not router.allow_migrate_model(other, model)


def test_django_tables_stay_on_default():
    user = apps.get_model("auth", "User")
    assert router.db_for_write(user) == "default"
    assert not any(router.allow_migrate_model(alias, user) for alias in DOMAIN_APPS)


def test_event_tables_exist_in_every_app_database_only():
    outbox = apps.get_model("events", "OutboxMessage")
    assert all(router.allow_migrate_model(alias, outbox) for alias in DOMAIN_APPS)
    assert not router.allow_migrate_model("default", outbox)


@isolate_apps("shop.inventory", "shop.orders")
def test_a_planted_cross_app_relation_is_caught():
    class Shelf(models.Model):
        class Meta:
            app_label = "inventory"

    class Parcel(models.Model):
        shelf = models.ForeignKey(Shelf, on_delete=models.CASCADE)

        class Meta:
            app_label = "orders"

    crossings = cross_app_relations([Shelf, Parcel])

    assert crossings == [
        "orders.Parcel.shelf -> inventory.Shelf crosses from database 'orders' to 'inventory'"
    ]
