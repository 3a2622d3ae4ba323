"""The public catalog's answers, replayed from the cache in front of Django.

An anonymous ``GET`` of a product or of a catalog page is the same bytes for every
reader until the catalog changes, so its whole answer (status, headers, body and an
ETag) is kept in the cache as bytes (``pack``) under the version token of what it shows
(the SKU's, or the catalog's for a page), read in the same round trip as the entry (see
``selectors.current_answer``). A hit is answered here without running Django's
middleware, DRF or a serializer; ``If-None-Match`` with the current ETag answers 304.

Everything else goes to Django unchanged: other paths and methods, requests with
credentials or cookies (an invalid token must still get its 401), misses, and any
answer but a 200, which is never stored. A hit keeps the shop's observability: its
``X-Request-ID``, a server span, the request metrics and the access line.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.urls import resolve, reverse
from opentelemetry import trace
from opentelemetry.instrumentation.wsgi import wsgi_getter
from opentelemetry.propagate import extract

from shop.inventory import selectors
from shop.platform.telemetry.logging import current_request_id
from shop.platform.telemetry.middleware import (
    REQUEST_ID_HEADER,
    SANE_REQUEST_ID,
    new_request_id,
    record_request,
)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

# Per request, never stored: the id is the request's own.
PER_REQUEST_HEADERS = frozenset({REQUEST_ID_HEADER.lower()})
NOT_IN_304 = frozenset({"content-type", "content-length"})
# Answers kept as bytes (``pack``); ``inventory:v2:response`` held pickled tuples.
_ENTRY_PREFIX = "inventory:v2:answer"

tracer = trace.get_tracer(__name__)


class CatalogResponseCache:
    """WSGI middleware around the shop's application (see the module's docstring)."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application
        self._routes: tuple[str, str, str] | None = None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        lookup = self._lookup(environ)
        if lookup is None:
            return self.application(environ, start_response)
        started = time.perf_counter()
        route, entry_key, version_key = lookup
        span = tracer.start_span(
            f"GET {route}",
            context=extract(environ, getter=wsgi_getter),
            kind=trace.SpanKind.SERVER,
            attributes={"http.method": "GET", "http.route": route, "http.target": _path(environ)},
        )
        # What start_as_current_span does, without its second context manager around
        # this one (3-4 µs of a hit's CPU).
        with trace.use_span(span, end_on_exit=True):
            entry = selectors.current_answer(entry_key, version_key)
            span.set_attribute("shop.catalog_cache", "hit" if entry.current else "miss")
            if not entry.current:
                # Django answers, under this span, and counts and logs the request itself.
                return self._fill(environ, start_response, entry_key, entry.token)
            status, headers, body, etag = unpack(entry.value)
            span.set_attribute("http.status_code", int(status[:3]))
            request_id = _request_id(environ)
            context_token = current_request_id.set(request_id)
            try:
                answer = _answer(environ, start_response, status, headers, body, etag, request_id)
                record_request(
                    method="GET",
                    path=_path(environ),
                    route=route,
                    status=int(answer[:3]),
                    seconds=time.perf_counter() - started,
                )
            finally:
                current_request_id.reset(context_token)
        return [] if answer.startswith("304") else [body]

    def _lookup(self, environ: Environ) -> tuple[str, str, str] | None:
        """The route, entry key and version key of a cacheable request; else ``None``."""
        if environ.get("REQUEST_METHOD") != "GET":
            return None
        if environ.get("HTTP_AUTHORIZATION") or environ.get("HTTP_COOKIE"):
            return None
        # Content negotiation stays DRF's: the stored answer is JSON.
        accept = environ.get("HTTP_ACCEPT", "")
        if accept and not any(kind in accept for kind in ("json", "*/*")):
            return None
        if "format=" in environ.get("QUERY_STRING", ""):
            return None
        path = environ.get("PATH_INFO", "")
        if self._routes is None:
            self._routes = _catalog_routes()
        list_path, list_route, detail_route = self._routes
        if not path.startswith(list_path):
            return None
        sku = path[len(list_path) : -1] if path.endswith("/") else None
        if path == list_path:
            route = list_route
        elif sku and selectors.is_sku(sku):
            route = detail_route
        else:
            return None
        # What the answer depends on: where it was asked (links are absolute, and
        # Django refuses hosts it does not serve), and for a page its limit and cursor.
        parts = [
            environ.get("wsgi.url_scheme", "http"),
            _forwarded_scheme(environ),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
            path,
        ]
        if route == detail_route and sku:
            version_key = selectors.version_key(sku)
        else:
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            parts += [query.get(name, [""])[-1] for name in ("limit", "cursor")]
            version_key = selectors.version_key(selectors.CATALOG)
        digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogateescape"))
        return route, f"{_ENTRY_PREFIX}:{digest.hexdigest()}", version_key

    def _fill(
        self, environ: Environ, start_response: StartResponse, key: str, token: int | str | None
    ) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=status, headers=headers)
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.application(environ, capture)
        try:
            body = b"".join([*captured.get("written", []), *result])
        finally:
            if hasattr(result, "close"):
                result.close()
        status, headers = captured["status"], captured["headers"]
        if not status.startswith("200") or any(n.lower() == "set-cookie" for n, _ in headers):
            start_response(status, headers)
            return [body]
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        stored = [(n, v) for n, v in headers if n.lower() not in PER_REQUEST_HEADERS]
        if token:
            selectors.store_answer(key, token, pack(status, stored, body, etag))
        request_id = dict((n.lower(), v) for n, v in headers).get(REQUEST_ID_HEADER.lower(), "")
        answer = _answer(environ, start_response, status, stored, body, etag, request_id)
        return [] if answer.startswith("304") else [body]


def pack(status: str, headers: list[tuple[str, str]], body: bytes, etag: str) -> bytes:
    """An answer as it is kept: laid out like HTTP's own (status line, ETag, one line per
    header, a blank line, the body), which WSGI's Latin-1 header strings without line
    breaks make unambiguous, and reading it back costs a split, not an unpickling."""
    lines = [status, etag, *(f"{name}: {value}" for name, value in headers)]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body


def unpack(stored: bytes) -> tuple[str, list[tuple[str, str]], bytes, str]:
    """``(status, headers, body, etag)`` of an answer kept by ``pack``."""
    head, _, body = stored.partition(b"\r\n\r\n")
    status, etag, *lines = head.decode("latin-1").split("\r\n")
    headers = [(name, value) for name, _, value in (line.partition(": ") for line in lines)]
    return status, headers, body, etag


def _catalog_routes() -> tuple[str, str, str]:
    """The list's path, and the list's and a product's route templates, from the URLconf
    (resolved once: matching them per request costs more than the cached answer)."""
    list_path = reverse("product-list")
    detail = resolve(reverse("product-detail", kwargs={"sku": "SKU"}))
    return list_path, resolve(list_path).route, detail.route


def _answer(
    environ: Environ,
    start_response: StartResponse,
    status: str,
    headers: list[tuple[str, str]],
    body: bytes,
    etag: str,
    request_id: str,
) -> str:
    """Start the answer: 304 when the client holds ``etag``, else the stored one."""
    per_request = [("ETag", etag), (REQUEST_ID_HEADER, request_id)]
    if _holds(environ.get("HTTP_IF_NONE_MATCH", ""), etag):
        kept = [(n, v) for n, v in headers if n.lower() not in NOT_IN_304]
        status = "304 Not Modified"
        start_response(status, kept + per_request)
        return status
    start_response(status, headers + per_request)
    return status


def _holds(if_none_match: str, etag: str) -> bool:
    if not if_none_match:
        return False
    offered = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in offered or etag in offered


def _request_id(environ: Environ) -> str:
    offered = environ.get("HTTP_X_REQUEST_ID", "")
    return offered if SANE_REQUEST_ID.fullmatch(offered) else new_request_id()


def _path(environ: Environ) -> str:
    return environ.get("PATH_INFO", "")


def _forwarded_scheme(environ: Environ) -> str:
    """The proxy's scheme header, when ``SECURE_PROXY_SSL_HEADER`` makes Django read one."""
    header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    return environ.get(header[0], "") if header else ""
