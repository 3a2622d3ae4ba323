from pathlib import Path

from shop.platform.databases import database_settings, derive_app_url

APPS = ("inventory", "orders", "payments")


def test_app_databases_are_derived_from_a_postgres_url():
    assert (
        derive_app_url("postgres://shop:pw@db.internal:5432/shop", "orders")
        == "postgres://shop:pw@db.internal:5432/shop_orders"
    )


def test_app_databases_are_separate_sqlite_files():
    assert derive_app_url("sqlite:////srv/var/shop.sqlite3", "payments") == (
        "sqlite:////srv/var/shop_payments.sqlite3"
    )


def test_each_app_database_url_can_be_overridden():
    config = database_settings(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/shop",
            "PAYMENTS_DATABASE_URL": "postgres://pay@10.0.0.9:5432/ledger",
        },
        app_aliases=APPS,
        var_dir=Path("/tmp"),
    )
    assert config["payments"]["HOST"] == "10.0.0.9"
    assert config["payments"]["NAME"] == "ledger"
    assert config["inventory"]["NAME"] == "shop_inventory"
    assert config["inventory"]["TEST"]["NAME"] == "test_shop_inventory"


def test_the_embedded_default_is_sqlite_in_immediate_mode(tmp_path):
    config = database_settings({}, app_aliases=APPS, var_dir=tmp_path)
    assert set(config) == {"default", "inventory", "orders", "payments"}
    assert config["orders"]["NAME"] == str(tmp_path / "shop_orders.sqlite3")
    assert config["orders"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_the_pool_replaces_persistent_connections():
    config = database_settings(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1/shop"},
        app_aliases=APPS,
        var_dir=Path("/tmp"),
        pool_max_size=8,
    )
    assert config["default"]["CONN_MAX_AGE"] == 0
    assert config["default"]["OPTIONS"]["pool"]["max_size"] == 8


def test_an_app_served_elsewhere_needs_no_database(tmp_path):
    config = database_settings(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1/shop"},
        app_aliases=["payments"],
        var_dir=tmp_path,
    )
    assert set(config) == {"default", "payments"}
