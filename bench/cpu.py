"""CPU per request, in one process, without the network: what tracing (and each path) costs.

    python -m bench.cpu   (with the shop's bench environment; ``bench.run --cpu`` runs it
    once per sampler)

Calls ``shop.wsgi.application`` directly, as a server worker would, and reports the
process's CPU time per request (``time.process_time``) for a cached product read, a
catalog page and an order placement. CPU per request hardly depends on what else the
machine runs, unlike throughput, so the samplers can be compared on a busy machine.
"""

from __future__ import annotations

import io
import json
import sys
import time
import uuid


def environ_for(method: str, path: str, body: bytes = b"", **headers: str) -> dict:
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return environ


def call(application, environ: dict) -> int:
    status = []
    result = application(environ, lambda s, h, exc_info=None: status.append(s))
    for _ in result:
        pass
    if hasattr(result, "close"):
        result.close()
    return int(status[0][:3])


def cpu_per_request(application, make_environ, count: int) -> float:
    """Microseconds of this process's CPU per request, after a warm-up."""
    for n in range(min(20, count)):
        call(application, make_environ(n))
    started = time.process_time()
    for n in range(count):
        status = call(application, make_environ(n))
        if status >= 400:
            raise SystemExit(f"bench.cpu: answer {status}")
    return 1e6 * (time.process_time() - started) / count


def main() -> None:
    tokens, skus = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    from shop.wsgi import application

    def placement(n: int) -> dict:
        body = {
            "lines": [
                {"sku": skus[n % len(skus)], "quantity": 1},
                {"sku": skus[(n + 1) % len(skus)], "quantity": 2},
            ],
            "payment_method": "pm_card_visa",
        }
        return environ_for(
            "POST",
            "/api/v1/orders/",
            json.dumps(body).encode(),
            AUTHORIZATION=f"Token {tokens[n % len(tokens)]}",
            IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )

    figures = {
        "healthz_us": cpu_per_request(application, lambda n: environ_for("GET", "/healthz"), 2000),
        "product_detail_us": cpu_per_request(
            application,
            lambda n: environ_for("GET", f"/api/v1/products/{skus[n % len(skus)]}/"),
            2000,
        ),
        "product_list_us": cpu_per_request(
            application, lambda n: environ_for("GET", "/api/v1/products/?limit=20"), 2000
        ),
        "place_order_us": cpu_per_request(application, placement, 200),
    }
    json.dump({name: round(value) for name, value in figures.items()}, sys.stdout)


if __name__ == "__main__":
    main()
