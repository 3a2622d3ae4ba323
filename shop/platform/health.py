"""Liveness and readiness."""

from __future__ import annotations

import json

from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse


def healthz(request: HttpRequest) -> HttpResponse:
    """The process lives and serves requests."""
    return JsonResponse({"status": "ok"})


def _database_answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _cache_answers() -> bool:
    try:
        cache.set("readyz", "1", timeout=5)
        return cache.get("readyz") == "1"
    except Exception:
        return False


def readyz(request: HttpRequest) -> HttpResponse:
    """Every database alias and the cache answer; otherwise 503 naming what is down."""
    checks = {f"database:{alias}": _database_answers(alias) for alias in connections}
    checks["cache"] = _cache_answers()
    down = sorted(name for name, ok in checks.items() if not ok)
    if not down:
        return JsonResponse({"status": "ready", "checks": checks})
    body = {
        "type": "https://shop.example/problems/not-ready",
        "title": "Service not ready",
        "status": 503,
        "detail": f"Not answering: {', '.join(down)}",
        "down": down,
        "checks": checks,
    }
    return HttpResponse(json.dumps(body), status=503, content_type="application/problem+json")
