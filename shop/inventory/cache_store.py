"""How the catalog cache reaches the cache server: reads in one round trip on a Redis
connection each thread holds, and values kept as the bytes they are.

A cached catalog read is one ``MGET``. Through django-redis and redis-py's client it cost
150 µs of CPU (two keys, one process, hiredis parsing), of which sending the command and
reading its answer on a connection already at hand take 25: the rest went to taking and
returning a pooled connection, the client's retry, event and observability layers, and
django-redis's decoding (which tries ``int()`` on every value first, and builds the
error message of a failed parse from the value's bytes). Here each thread that reads
keeps one connection of its own, made with the settings of the cache's pool (the same
server, database, credentials and timeouts); the command is sent and its answer read on
it directly. Values written through the cache's API are decoded by the cache's own
``decode``; values written with ``set_bytes`` are kept and read back as raw bytes.

Another cache backend (local memory, in development and some tests) is used through its
API, with the same results. A cache that does not answer reads as empty, as the
settings ask of the cache everywhere (``IGNORE_EXCEPTIONS``): the catalog then reads its
database.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Collection, Sequence
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django_redis.cache import RedisCache
from django_redis.client import DefaultClient
from opentelemetry import trace
from redis import Connection, ConnectionPool, RedisError

logger = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class _Held(threading.local):
    """This thread's connection per pool, and the process it was made in."""

    def __init__(self) -> None:
        self.connections: dict[int, tuple[ConnectionPool, Connection]] = {}
        self.pid = os.getpid()


_held = _Held()


def get_many(keys: Sequence[str], *, raw: Collection[str] = ()) -> dict[str, Any]:
    """The values of ``keys`` found in the cache, in one round trip (``cache.get_many``'s
    answer), except that the keys in ``raw`` hold the bytes ``set_bytes`` stored."""
    client = _redis_client()
    if client is None:
        return cache.get_many(keys)
    values = _mget(client, [client.make_key(key) for key in keys])
    found: dict[str, Any] = {}
    for key, value in zip(keys, values, strict=True):
        if value is not None:
            found[key] = value if key in raw else client.decode(value)
    return found


def set_bytes(key: str, value: bytes, timeout: int) -> None:
    """Store ``value`` under ``key`` for ``timeout`` seconds as these very bytes (not
    pickled), for ``get_many(..., raw=[key])``."""
    client = _redis_client()
    if client is None:
        cache.set(key, value, timeout)
        return
    try:
        client.get_client(write=True).set(client.make_key(key), value, ex=timeout)
    except RedisError:
        logger.warning("the cache did not store %s", key, exc_info=True)


def _redis_client() -> DefaultClient | None:
    """django-redis's client of the default cache, if that is what it is (a sharded,
    herd or sentinel client spreads or wraps keys itself: its own API is used)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, RedisCache):
        return None
    client = backend.client
    return client if type(client) is DefaultClient else None


def _mget(client: DefaultClient, keys: list[str]) -> list[bytes | None]:
    """``MGET keys`` on this thread's connection; all ``None`` when the cache fails."""
    pool = client.get_client(write=False).connection_pool
    try:
        connection = _connection(pool)
        if not trace.get_current_span().is_recording():
            connection.send_command("MGET", *keys)
            return connection.read_response()
        with tracer.start_as_current_span(
            "MGET", kind=trace.SpanKind.CLIENT, attributes=_span_attributes(connection, keys)
        ):
            connection.send_command("MGET", *keys)
            return connection.read_response()
    except (RedisError, OSError):
        # redis-py has closed the connection on a broken exchange; it reconnects on the
        # next command. This read counts as a miss.
        logger.warning("the cache did not answer a read", exc_info=True)
        return [None] * len(keys)


def _connection(pool: ConnectionPool) -> Connection:
    """This thread's connection to ``pool``'s server, made with the pool's own settings
    (it connects on its first command).

    Not taken from the pool: a connection never given back would stay in the pool's
    in-use set when its thread ends (granian retires blocking threads idle for 30 s), so
    each retired thread would leave a socket open. This one belongs to the thread alone
    and is closed when the thread's locals are dropped.
    """
    held = _held
    if held.pid != os.getpid():
        # A forked child must not share its parent's sockets.
        held.connections.clear()
        held.pid = os.getpid()
    entry = held.connections.get(id(pool))
    if entry is None or entry[0] is not pool:
        entry = (pool, pool.connection_class(**pool.connection_kwargs))
        held.connections[id(pool)] = entry
    return entry[1]


def _span_attributes(connection: Connection, keys: list[str]) -> dict[str, Any]:
    """What the Redis instrumentation records for a command, for the same trace."""
    attributes: dict[str, Any] = {
        "db.system": "redis",
        "db.statement": "MGET" + " ?" * len(keys),
        "db.redis.args_length": 1 + len(keys),
        "db.redis.database_index": int(getattr(connection, "db", 0) or 0),
    }
    path = getattr(connection, "path", None)
    if path:
        attributes.update({"net.peer.name": str(path), "net.transport": "other"})
    else:
        attributes.update(
            {
                "net.peer.name": str(getattr(connection, "host", "")),
                "net.peer.port": int(getattr(connection, "port", 0) or 0),
                "net.transport": "ip_tcp",
            }
        )
    return attributes
