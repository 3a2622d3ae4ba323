"""Liveness and readiness."""

from __future__ import annotations

import json
import logging
import uuid

import psycopg
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from opentelemetry.instrumentation.utils import suppress_instrumentation

from shop.platform.errors import probe_view
from shop.platform.problems import PROBLEM_BASE, PROBLEM_CONTENT_TYPE

logger = logging.getLogger(__name__)

DATABASE_TIMEOUT_SECONDS = 2
"""How long a database may take to connect, and then to answer; libpq's minimum is 2."""


@probe_view
def healthz(request: HttpRequest) -> HttpResponse:
    """The process lives and serves requests."""
    return JsonResponse({"status": "ok"})


def database_answers(alias: str) -> bool:
    """``alias``'s database accepts a connection and answers a query within the timeout.

    PostgreSQL is asked over a connection of its own, so that neither a hung pooled
    connection nor libpq's unbounded default connect timeout can stall the probe.
    """
    connection = connections[alias]
    try:
        if connection.vendor != "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True
        params = connection.get_connection_params()
        timeout_ms = DATABASE_TIMEOUT_SECONDS * 1000
        params["connect_timeout"] = DATABASE_TIMEOUT_SECONDS
        params["options"] = f"{params.get('options', '')} -c statement_timeout={timeout_ms}"
        with psycopg.connect(**params) as probe:
            probe.execute("SELECT 1")
        return True
    except Exception as exc:
        logger.warning("readiness: database %s does not answer: %s", alias, exc)
        return False


def cache_answers() -> bool:
    """The cache stores and returns a value (its client's socket timeouts bound the wait).

    A key of its own per probe: a cache that silently drops writes must not pass on a
    value another probe left behind.
    """
    key, token = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    try:
        cache.set(key, token, timeout=5)
        answered = cache.get(key) == token
        cache.delete(key)
    except Exception as exc:
        logger.warning("readiness: cache does not answer: %s", exc)
        return False
    if not answered:
        logger.warning("readiness: cache does not answer")
    return answered


SURVIVABLE = frozenset({"cache"})
"""What this process serves without: with the cache down, reads go to the databases
and rate limits fail open. Everything else (each database) it cannot serve without."""


def readiness() -> dict[str, bool]:
    """Whether each dependency answers, by name: ``database:<alias>`` and ``cache``."""
    checks = {f"database:{alias}": database_answers(alias) for alias in connections}
    checks["cache"] = cache_answers()
    return checks


@probe_view
def readyz(request: HttpRequest) -> HttpResponse:
    """200 ``ready`` when everything answers; 200 ``degraded`` naming what is down when
    this process survives it (the cache); otherwise 503 naming what is down.

    A load balancer takes a 503 instance out: a Redis outage shared by every instance
    must not take them all out while each still sells.
    """
    # Probes come every few seconds: their queries would each start a trace of their own.
    with suppress_instrumentation():
        checks = readiness()
    down = sorted(name for name, ok in checks.items() if not ok)
    if not down:
        return JsonResponse({"status": "ready", "checks": checks})
    if set(down) <= SURVIVABLE:
        return JsonResponse({"status": "degraded", "degraded": down, "checks": checks})
    body = {
        "type": f"{PROBLEM_BASE}not-ready",
        "title": "Service not ready",
        "status": 503,
        "detail": f"Not answering: {', '.join(down)}",
        "down": down,
        "checks": checks,
    }
    return HttpResponse(json.dumps(body), status=503, content_type=PROBLEM_CONTENT_TYPE)
