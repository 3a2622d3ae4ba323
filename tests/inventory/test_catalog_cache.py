"""Catalog reads come from the cache, and a committed change is never hidden by it."""

from __future__ import annotations

import gc
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import override_settings
from redis import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

from contracts.inventory import StockLine
from shop.inventory import cache_store, selectors
from shop.inventory.facade import InventoryFacade

# Real commits, so the invalidation hooks run exactly as in production.
pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

inventory = InventoryFacade()


def available(client, sku: str = "TEE-BLACK-M") -> int:
    return client.get(f"/api/v1/products/{sku}/").json()["available"]


def listed_available(client, sku: str = "TEE-BLACK-M") -> int:
    [product] = [p for p in client.get("/api/v1/products/").json()["results"] if p["sku"] == sku]
    return product["available"]


def test_a_cached_product_is_served_without_the_database(
    anonymous, make_product, django_assert_num_queries
):
    make_product("TEE-BLACK-M", stock=10)
    assert available(anonymous) == 10
    assert listed_available(anonymous) == 10

    with django_assert_num_queries(0, using="inventory"):
        assert available(anonymous) == 10
        assert listed_available(anonymous) == 10


def test_other_apps_read_products_from_the_database_and_leave_the_cache_alone(
    anonymous, make_product, django_assert_num_queries
):
    make_product("TEE-BLACK-M", stock=10)
    assert available(anonymous) == 10
    cached = sorted(cache.keys("*"))

    with django_assert_num_queries(1, using="inventory"):
        assert inventory.get_products(skus=["TEE-BLACK-M"])["TEE-BLACK-M"].available == 10

    assert sorted(cache.keys("*")) == cached


def test_restocking_shows_the_new_figure_on_the_next_read(anonymous, staff, make_product):
    make_product("TEE-BLACK-M", stock=10)
    assert available(anonymous) == 10
    assert listed_available(anonymous) == 10

    staff.post("/api/v1/products/TEE-BLACK-M/restock/", {"quantity": 5}, format="json")

    assert available(anonymous) == 15
    assert listed_available(anonymous) == 15


def test_reserving_committing_and_releasing_show_on_the_next_read(anonymous, make_product):
    make_product("TEE-BLACK-M", stock=10)
    first, second = uuid.uuid4(), uuid.uuid4()
    assert available(anonymous) == 10

    inventory.reserve(order_id=first, lines=[StockLine("TEE-BLACK-M", 3)])
    assert available(anonymous) == 7
    assert listed_available(anonymous) == 7

    inventory.reserve(order_id=second, lines=[StockLine("TEE-BLACK-M", 2)])
    inventory.release(order_id=first)
    assert available(anonymous) == 8
    assert listed_available(anonymous) == 8

    inventory.commit(order_id=second)
    assert available(anonymous) == 8
    assert inventory.get_products(skus=["TEE-BLACK-M"])["TEE-BLACK-M"].available == 8


def test_a_new_product_is_found_after_a_cached_miss(anonymous, staff):
    assert anonymous.get("/api/v1/products/TEE-BLACK-M/").status_code == 404
    assert anonymous.get("/api/v1/products/").json()["results"] == []

    staff.post(
        "/api/v1/products/",
        {
            "sku": "TEE-BLACK-M",
            "name": "T-shirt",
            "price": {"amount": "19.90", "currency": "EUR"},
            "stock": 4,
        },
        format="json",
    )

    assert available(anonymous) == 4
    assert listed_available(anonymous) == 4


def test_a_slow_reader_cannot_put_an_old_figure_back(make_product):
    make_product("TEE-BLACK-M", stock=10)
    assert selectors.active_product(sku="TEE-BLACK-M").available == 10
    # What a reader that looked before the change stores only after it: the old
    # figure, under the version token it read first.
    [entry_key] = cache.keys("*inventory:v2:product:TEE-BLACK-M")
    stale = cache.get(entry_key)
    assert stale[1].available == 10

    inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 4)])
    cache.set(entry_key, stale, 300)

    # Its token is no longer the current one: readers do not take it.
    assert selectors.active_product(sku="TEE-BLACK-M").available == 6


def test_a_cached_read_costs_one_cache_round_trip(anonymous, make_product, monkeypatch):
    make_product("TEE-BLACK-M", stock=10)
    assert available(anonymous) == 10
    assert listed_available(anonymous) == 10
    calls = []
    for where, method in [
        *((cache, name) for name in ("get", "get_many", "set", "set_many", "add")),
        (cache_store, "get_many"),
        (cache_store, "set_bytes"),
    ]:
        original = getattr(where, method)
        name = f"{'cache_store.' if where is cache_store else 'cache.'}{method}"
        monkeypatch.setattr(
            where, method, lambda *a, _m=name, _o=original, **k: calls.append(_m) or _o(*a, **k)
        )

    assert available(anonymous) == 10
    assert listed_available(anonymous) == 10

    # One read each (token and entry in one MGET), on the thread's own connection.
    assert calls == ["cache_store.get_many", "cache_store.get_many"]


def test_reads_still_work_when_the_cache_is_down(anonymous, make_product):
    make_product("TEE-BLACK-M", stock=10)
    down = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.1, "IGNORE_EXCEPTIONS": True},
        }
    }

    with override_settings(CACHES=down, DJANGO_REDIS_IGNORE_EXCEPTIONS=True):
        assert available(anonymous) == 10
        assert listed_available(anonymous) == 10
        inventory.reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 1)])
        assert available(anonymous) == 9
    connections.close_all()


def test_parameters_other_than_cursor_and_limit_share_one_cached_page(
    anonymous, make_product, django_assert_num_queries
):
    make_product("TEE-BLACK-M", stock=10)
    make_product("MUG-WHITE", stock=5)
    first = anonymous.get("/api/v1/products/", {"limit": 1, "junk": 1})

    with django_assert_num_queries(0, using="inventory"):
        again = anonymous.get("/api/v1/products/", {"junk": 2, "limit": 1, "more": "x"})

    assert again.json() == first.json()
    next_url = urlsplit(first.json()["next"])
    assert next_url.path == "/api/v1/products/"
    assert set(parse_qs(next_url.query)) == {"limit", "cursor"}
    following = anonymous.get(first.json()["next"]).json()
    assert [p["sku"] for p in following["results"]] == ["TEE-BLACK-M"]


def test_a_version_token_written_as_text_by_an_earlier_release_still_works(
    anonymous, staff, make_product, django_assert_num_queries
):
    # Releases before this one wrote tokens as hex strings; during a rolling deploy both
    # kinds meet under the same keys, and each must invalidate what the other cached.
    make_product("TEE-BLACK-M", stock=10)
    cache.set(selectors.version_key("TEE-BLACK-M"), uuid.uuid4().hex, selectors.VERSION_TIMEOUT)
    cache.set(selectors.version_key(selectors.CATALOG), uuid.uuid4().hex, 86_400)
    assert available(anonymous) == 10
    assert listed_available(anonymous) == 10

    with django_assert_num_queries(0, using="inventory"):
        assert available(anonymous) == 10
        assert listed_available(anonymous) == 10

    staff.post("/api/v1/products/TEE-BLACK-M/restock/", {"quantity": 5}, format="json")

    assert isinstance(cache.get(selectors.version_key("TEE-BLACK-M")), int)
    assert available(anonymous) == 15
    assert listed_available(anonymous) == 15


LOCAL_MEMORY = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize(
    "caches", [None, LOCAL_MEMORY], ids=["the configured cache", "local memory"]
)
def test_the_catalogs_reads_see_what_the_cache_api_and_set_bytes_stored(caches, settings):
    if caches:
        settings.CACHES = caches
    cache.set("inventory:test:tuple", ("token", {"sku": "TEE-BLACK-M"}), 60)
    cache.set("inventory:test:number", 12345678901234, 60)
    cache_store.set_bytes("inventory:test:bytes", b"\x80 not a pickle \r\n\r\n", 60)

    found = cache_store.get_many(
        ["inventory:test:tuple", "inventory:test:number", "inventory:test:bytes", "absent"],
        raw=["inventory:test:bytes"],
    )

    assert found == {
        "inventory:test:tuple": ("token", {"sku": "TEE-BLACK-M"}),
        "inventory:test:number": 12345678901234,
        "inventory:test:bytes": b"\x80 not a pickle \r\n\r\n",
    }


def test_a_read_the_cache_server_breaks_off_is_a_miss_and_the_next_reconnects(
    anonymous, make_product, monkeypatch, django_assert_num_queries, caplog
):
    make_product("TEE-BLACK-M", stock=10)
    assert available(anonymous) == 10
    original = Connection.read_response

    def dropped(connection, *args, **kwargs):
        # What redis-py does when the server closes the socket mid-answer.
        monkeypatch.setattr(Connection, "read_response", original)
        connection.disconnect()
        raise RedisConnectionError("Connection closed by server.")

    monkeypatch.setattr(Connection, "read_response", dropped)

    assert available(anonymous) == 10  # from the database
    assert [r.name for r in caplog.records if r.levelname == "WARNING"] == [cache_store.__name__]
    with django_assert_num_queries(0, using="inventory"):
        assert available(anonymous) == 10


def test_a_thread_that_ends_leaves_no_connection_open(monkeypatch):
    # Servers retire idle threads (granian's blocking threads after 30 s): the catalog's
    # connection of such a thread must close, not stay open on the Redis server.
    ids = []
    taken = cache_store._connection

    def noting_its_id(pool):
        connection = taken(pool)
        connection.send_command("CLIENT", "ID")
        ids.append(connection.read_response())
        return connection

    monkeypatch.setattr(cache_store, "_connection", noting_its_id)
    reader = threading.Thread(target=cache_store.get_many, args=(["inventory:test:any"],))
    reader.start()
    reader.join()
    gc.collect()

    server = cache.client.get_client()
    [client_id] = ids
    for _ in range(100):
        if not server.client_list(client_id=[client_id]):
            break
        time.sleep(0.01)
    assert server.client_list(client_id=[client_id]) == []
