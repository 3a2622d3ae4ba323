"""With Redis unreachable the shop still sells: the cache and rate limits fail open."""

import socket

import pytest

from tests.e2e.audit import assert_audit_finds_nothing
from tests.e2e.conftest import client_for, place

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_orders_are_placed_and_read_while_redis_is_down(catalog, settings, client):
    alice = client_for("alice")
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }

    created = place(alice, key="while-redis-is-down")
    again = place(alice, key="while-redis-is-down")

    assert created.status_code == 201, created.content
    assert again.json() == created.json()
    assert client.get("/api/v1/products/TEE-BLACK-M/").json()["available"] == 98
    ready = client.get("/readyz")
    assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
    assert_audit_finds_nothing()
