"""Anonymous catalog reads are replayed from cached bytes in front of Django, and a
committed change shows on the very next read."""

from __future__ import annotations

import io
import json
import logging
import uuid
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory, override_settings
from prometheus_client import REGISTRY

from contracts.inventory import StockLine
from shop.inventory import selectors
from shop.inventory.facade import InventoryFacade
from shop.inventory.http.response_cache import CatalogResponseCache, pack, unpack

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

DETAIL_ROUTE = "api/v1/products/<str:sku>/"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def shop(_span_exporter):
    """The shop's WSGI application as shop.wsgi builds it, called in-process.

    ``get.django_calls`` counts the requests the wrapper passed on to Django: a hit is
    answered without one.
    """
    django = WSGIHandler()

    def counted_django(environ, start_response):
        get.django_calls += 1
        return django(environ, start_response)

    application = CatalogResponseCache(counted_django)

    def get(path: str, **headers: str) -> Answer:
        environ = RequestFactory().get(path, **headers).environ
        started: dict = {}

        def start_response(status, response_headers, exc_info=None):
            started.update(status=status, headers=response_headers)

        result = application(environ, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        headers_by_name = {name.lower(): value for name, value in started["headers"]}
        return Answer(int(started["status"][:3]), headers_by_name, body)

    get.django_calls = 0
    return get


def served_by_django() -> float:
    """Requests Django's own middleware counted for the product route."""
    return (
        REGISTRY.get_sample_value(
            "shop_http_requests_total",
            {"route": DETAIL_ROUTE, "method": "GET", "status": "200"},
        )
        or 0.0
    )


def test_a_repeated_read_is_answered_from_the_cache_with_the_same_bytes(
    shop, make_product, django_assert_num_queries
):
    make_product("TEE-BLACK-M", stock=10)
    first = shop("/api/v1/products/TEE-BLACK-M/")
    assert shop.django_calls == 1

    with django_assert_num_queries(0, using="inventory"):
        again = shop("/api/v1/products/TEE-BLACK-M/")

    assert shop.django_calls == 1, "replayed by the wrapper, not answered by Django"

    assert first.status == again.status == 200
    assert again.body == first.body
    assert b'"available":10' in again.body
    assert again.headers["content-type"] == "application/json"
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]


def test_a_client_holding_the_current_etag_gets_304_until_the_stock_changes(shop, make_product):
    make_product("TEE-BLACK-M", stock=10)
    etag = shop("/api/v1/products/TEE-BLACK-M/").headers["etag"]

    unchanged = shop("/api/v1/products/TEE-BLACK-M/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status == 304
    assert unchanged.body == b""
    assert unchanged.headers["etag"] == etag

    InventoryFacade().reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 3)])

    changed = shop("/api/v1/products/TEE-BLACK-M/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status == 200
    assert b'"available":7' in changed.body
    assert changed.headers["etag"] != etag


def test_a_page_changes_with_the_catalog_and_ignores_unknown_parameters(shop, make_product):
    make_product("TEE-BLACK-M", stock=10)
    make_product("MUG-WHITE", stock=5)
    first = shop("/api/v1/products/?limit=1&junk=1")
    shared = shop("/api/v1/products/?junk=2&limit=1")
    assert shared.body == first.body
    assert b"junk" not in first.body

    make_product("CAP-RED", stock=1)

    assert b"CAP-RED" in shop("/api/v1/products/?limit=1").body


def test_a_cached_answer_is_not_replayed_to_another_host(shop, make_product, settings):
    settings.ALLOWED_HOSTS = ["testserver", "shop.example"]
    make_product("TEE-BLACK-M", stock=10)
    make_product("MUG-WHITE", stock=5)
    shop("/api/v1/products/?limit=1")
    other = shop("/api/v1/products/?limit=1", HTTP_HOST="shop.example")
    assert b"http://shop.example/" in other.body
    assert shop("/api/v1/products/", HTTP_HOST="evil.example").status == 400


def test_credentials_are_still_checked_on_a_cached_product(shop, make_product):
    make_product("TEE-BLACK-M", stock=10)
    shop("/api/v1/products/TEE-BLACK-M/")

    refused = shop("/api/v1/products/TEE-BLACK-M/", HTTP_AUTHORIZATION="Token not-a-token")

    assert refused.status == 401


def test_a_client_that_accepts_no_json_still_gets_drfs_answer(shop, make_product):
    make_product("TEE-BLACK-M", stock=10)
    shop("/api/v1/products/TEE-BLACK-M/")

    assert shop("/api/v1/products/TEE-BLACK-M/", HTTP_ACCEPT="application/xml").status == 406
    assert shop("/api/v1/products/TEE-BLACK-M/", HTTP_ACCEPT="application/json").status == 200


def test_an_unknown_product_is_not_cached_and_is_found_once_created(shop, make_product):
    assert shop("/api/v1/products/TEE-BLACK-M/").status == 404
    make_product("TEE-BLACK-M", stock=4)
    found = shop("/api/v1/products/TEE-BLACK-M/")
    assert found.status == 200
    assert b'"available":4' in found.body


def timed() -> float:
    """Requests the latency histogram holds for the product route."""
    return (
        REGISTRY.get_sample_value(
            "shop_http_request_duration_seconds_count",
            {"route": DETAIL_ROUTE, "method": "GET", "status": "200"},
        )
        or 0.0
    )


@pytest.fixture
def access_lines():
    """The access lines the configured console handler writes during the test, as dicts."""
    handler = logging.getHandlerByName("console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield lambda: [
        record
        for record in map(json.loads, buffer.getvalue().splitlines())
        if record["logger"] == "shop.access"
    ]
    handler.setStream(previous)


def test_a_cache_hit_is_traced_counted_and_carries_the_request_id(
    shop, make_product, spans, access_lines
):
    make_product("TEE-BLACK-M", stock=10)
    shop("/api/v1/products/TEE-BLACK-M/")
    counted_by_django, timed_before = served_by_django(), timed()
    spans.clear()

    hit = shop("/api/v1/products/TEE-BLACK-M/", HTTP_X_REQUEST_ID="req-42")

    assert hit.headers["x-request-id"] == "req-42"
    [server] = [s for s in spans.get_finished_spans() if s.name == f"GET {DETAIL_ROUTE}"]
    assert server.attributes["shop.catalog_cache"] == "hit"
    assert server.attributes["http.status_code"] == 200
    [read] = [s for s in spans.get_finished_spans() if s.name == "MGET"]
    assert read.parent.span_id == server.context.span_id
    assert read.attributes["db.system"] == "redis"
    # The hit is counted once, by the cache, not by Django's middleware as well.
    assert served_by_django() == counted_by_django + 1
    assert timed() == timed_before + 1
    [line] = [r for r in access_lines() if r["request_id"] == "req-42"]
    assert line["http_route"] == DETAIL_ROUTE
    assert line["http_status"] == 200
    assert line["trace_id"] == f"{server.context.trace_id:032x}"


def test_a_hit_whose_trace_is_not_sampled_is_still_counted_and_logged(
    shop, make_product, spans, access_lines
):
    make_product("TEE-BLACK-M", stock=10)
    shop("/api/v1/products/TEE-BLACK-M/")
    counted = served_by_django()
    spans.clear()
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"

    # The caller decided not to sample (flags 00): the shop follows it.
    hit = shop(
        "/api/v1/products/TEE-BLACK-M/",
        HTTP_TRACEPARENT=f"00-{trace_id}-00f067aa0ba902b7-00",
    )

    assert hit.status == 200
    assert shop.django_calls == 1, "the second read is a hit"
    assert b'"available":10' in hit.body
    assert spans.get_finished_spans() == ()
    assert served_by_django() == counted + 1
    [line] = [r for r in access_lines() if r["request_id"] == hit.headers["x-request-id"]]
    assert line["trace_id"] == trace_id
    assert line["http_route"] == DETAIL_ROUTE


def test_a_cached_answer_is_kept_as_the_bytes_it_is_replayed_from(shop, make_product):
    make_product("TEE-BLACK-M", stock=10)
    first = shop("/api/v1/products/TEE-BLACK-M/")
    [key] = cache.keys("inventory:v2:answer:*")

    kept = cache.client.get_client().get(cache.make_key(key))

    token = cache.get(selectors.version_key("TEE-BLACK-M"))
    assert kept.startswith(f"{token}\n200 OK\r\n{first.headers['etag']}\r\n".encode())
    assert kept.endswith(b"\r\n\r\n" + first.body)
    assert b"X-Request-ID" not in kept


def test_an_answer_reads_back_as_it_was_kept():
    headers = [("Content-Type", "application/json"), ("Link", "<a>; rel=next"), ("X-Empty", "")]
    body = b'{"note": "a body may hold\r\n\r\nanything"}'

    kept = pack("200 OK", headers, body, '"abc"')

    assert unpack(kept) == ("200 OK", headers, body, '"abc"')


def test_reads_are_answered_by_django_when_the_cache_is_down(shop, make_product):
    make_product("TEE-BLACK-M", stock=10)
    down = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.1, "IGNORE_EXCEPTIONS": True},
        }
    }
    with override_settings(CACHES=down, DJANGO_REDIS_IGNORE_EXCEPTIONS=True):
        assert b'"available":10' in shop("/api/v1/products/TEE-BLACK-M/").body
        InventoryFacade().reserve(order_id=uuid.uuid4(), lines=[StockLine("TEE-BLACK-M", 1)])
        assert b'"available":9' in shop("/api/v1/products/TEE-BLACK-M/").body
