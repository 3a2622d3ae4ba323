"""What a remote call costs: the same contract calls in process, over gRPC and over HTTP/JSON.

    .venv/bin/python -m bench.remote_calls [--calls 1000] [--placement-seconds 0]

Measures, one caller at a time, the latency of ``inventory.get_products`` (a read) and
``inventory.reserve`` (a write) through the in-process facade, the gRPC client against
a ``serve_grpc`` process, and a minimal HTTP/JSON server of the same facade (stdlib
``http.server``, keep-alive, the events' JSON codec): p50 and p99 per binding. With
``--placement-seconds S``, also drives ``POST /api/v1/orders/`` for S seconds against
the monolith (granian, every app) and against the split (granian with
``SHOP_APPS=orders``, inventory and payments each in a ``serve_grpc`` process of
their own), and prints the throughput and latency of each. Uses its own databases
(``bench_rpc*``; override with ``BENCH_DATABASE_URL``) on PostgreSQL and Redis
(``BENCH_REDIS_URL``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_rpc"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "LOG_LEVEL": "WARNING",
    }


def start_grpc_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [PYTHON, "manage.py", "serve_grpc", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("serving "):
        server.kill()
        raise SystemExit(f"bench: serve_grpc did not start: {line!r}")
    return server, int(line.rsplit(":", 1)[1])


def _same(value: Any) -> Any:
    return value


class JsonHandler(BaseHTTPRequestHandler):
    """POST /<contract key>/<method> with the keyword arguments as JSON."""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without this, Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every answer, which would not be HTTP's fault.
    disable_nagle_algorithm = True
    services: dict[str, Any] = {}
    argument_types: dict[tuple[str, str], dict[str, Any]] = {}

    def do_POST(self) -> None:
        from django.db import close_old_connections

        from shop.platform.events.codec import encode

        close_old_connections()
        _, key, method = self.path.split("/")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        converters = self.argument_types.get((key, method), {})
        kwargs = {name: converters.get(name, _same)(value) for name, value in body.items()}
        answer = getattr(self.services[key], method)(**kwargs)
        if isinstance(answer, dict):
            result = {str(k): encode(v) for k, v in answer.items()}
        else:
            result = encode(answer)
        payload = json.dumps(result).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_json() -> None:
    """The HTTP/JSON server process: prints its port, serves until killed."""
    import django

    django.setup()
    from contracts.inventory import InventoryService, StockLine
    from shop.platform.bindings import bound
    from shop.platform.events.codec import decode

    JsonHandler.services = {"inventory": bound(InventoryService)}
    JsonHandler.argument_types = {
        ("inventory", "reserve"): {
            "order_id": uuid.UUID,
            "lines": lambda lines: [decode(StockLine, line) for line in lines],
        },
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), JsonHandler)
    print(f"serving HTTP/JSON on 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def start_json_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [PYTHON, "-m", "bench.remote_calls", "--serve-json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("serving "):
        server.kill()
        raise SystemExit(f"bench: the HTTP/JSON server did not start: {line!r}")
    return server, int(line.rsplit(":", 1)[1])


class JsonInventoryClient:
    """The two benchmarked inventory calls over HTTP/JSON, decoded into contract DTOs."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def _post(self, method: str, body: dict[str, Any]) -> Any:
        payload = json.dumps(body).encode()
        self.connection.request(
            "POST", f"/inventory/{method}", payload, {"Content-Type": "application/json"}
        )
        return json.loads(self.connection.getresponse().read())

    def get_products(self, *, skus: list[str]) -> Any:
        from contracts.inventory import Product
        from shop.platform.events.codec import decode

        answer = self._post("get_products", {"skus": skus})
        return {sku: decode(Product, product) for sku, product in answer.items()}

    def reserve(self, *, order_id: uuid.UUID, lines: list[Any]) -> Any:
        from contracts.inventory import Reservation
        from shop.platform.events.codec import decode, encode

        answer = self._post("reserve", {"order_id": str(order_id), "lines": encode(lines)})
        return decode(Reservation, answer)


def measure(call: Callable[[], Any], calls: int) -> dict[str, float]:
    for _ in range(min(50, calls)):
        call()  # warm-up: connections, caches, imports
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return {"p50_ms": round(cuts[49], 3), "p99_ms": round(cuts[98], 3)}


def latency(calls: int) -> None:
    env = environment()
    os.environ.update(env)
    print("bench: migrating bench databases", file=sys.stderr)
    subprocess.run(
        [PYTHON, "manage.py", "migrate_all"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    import django

    django.setup()
    from contracts.common import Money
    from contracts.inventory import InventoryService, StockLine
    from shop.platform.bindings import bound
    from shop.platform.rpc.clients import client_class

    facade = bound(InventoryService)
    skus = [f"RPC-{uuid.uuid4().hex[:8].upper()}" for _ in range(2)]
    for sku in skus:
        facade.create_product(sku=sku, name=sku, price=Money(999, "EUR"), stock=10_000_000)
    grpc_server, grpc_port = start_grpc_server(env)
    json_server, json_port = start_json_server(env)
    try:
        bindings = {
            "in-process": facade,
            "gRPC": client_class("contracts.inventory.InventoryService")(
                url=f"grpc://127.0.0.1:{grpc_port}"
            ),
            "HTTP/JSON": JsonInventoryClient(json_port),
        }
        lines = [StockLine(skus[0], 1), StockLine(skus[1], 2)]
        print(f"\n{'call':<24}{'binding':<12}{'p50 ms':>9}{'p99 ms':>9}")
        for name, binding in bindings.items():
            for call_name, call in (
                ("inventory.get_products", lambda b=binding: b.get_products(skus=skus)),
                (
                    "inventory.reserve",
                    lambda b=binding: b.reserve(order_id=uuid.uuid4(), lines=lines),
                ),
            ):
                figures = measure(call, calls)
                print(json.dumps({"call": call_name, "binding": name, **figures}), file=sys.stderr)
                print(f"{call_name:<24}{name:<12}{figures['p50_ms']:>9}{figures['p99_ms']:>9}")
    finally:
        for server in (grpc_server, json_server):
            server.terminate()
            server.wait(timeout=30)


def start_granian(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("granian")),
            *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
            *("--workers", "2", "--blocking-threads", "4", "--no-log"),
            "shop.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("bench: granian did not start")


def placement(seconds: float, clients: int) -> None:
    """``POST /api/v1/orders/`` as one process with every app, then as three processes
    (orders behind granian, inventory and payments each behind ``serve_grpc``)."""
    from bench.load import json_body, run

    env = {
        **environment(),
        "SHOP_ENV": "production",
        "SECRET_KEY": "bench-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_POOL_MAX_SIZE": "6",
        "ORDER_PLACEMENT_RATE": "1000000/min",
    }
    port = int(os.environ.get("BENCH_PORT", "8766"))
    tokens = [
        subprocess.run(
            [PYTHON, "manage.py", "create_customer", f"bench-rpc-{i}"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
        for i in range(clients)
    ]
    from contracts.common import Money
    from contracts.inventory import InventoryService
    from shop.platform.bindings import bound

    skus = [f"RPC-{uuid.uuid4().hex[:8].upper()}" for _ in range(4)]
    for sku in skus:
        bound(InventoryService).create_product(
            sku=sku, name=sku, price=Money(999, "EUR"), stock=10_000_000
        )

    def place(client: int, n: int) -> tuple[str, str, dict[str, str], bytes]:
        headers = {
            "Authorization": f"Token {tokens[client]}",
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        lines = [{"sku": skus[n % 4], "quantity": 1}, {"sku": skus[(n + 1) % 4], "quantity": 2}]
        body = {"lines": lines, "payment_method": "pm_card_visa"}
        return "POST", "/api/v1/orders/", headers, json_body(body)

    print(f"\n{'placement':<10}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}  statuses")
    for deployment in ("monolith", "split"):
        processes: list[subprocess.Popen[Any]] = []
        web_env = env
        try:
            if deployment == "split":
                urls = {}
                for app in ("inventory", "payments"):
                    server, grpc_port = start_grpc_server({**env, "SHOP_APPS": app})
                    processes.append(server)
                    urls[f"{app.upper()}_SERVICE_URL"] = f"grpc://127.0.0.1:{grpc_port}"
                web_env = {**env, "SHOP_APPS": "orders", **urls}
            processes.append(start_granian(web_env, port))
            result = run(deployment, "127.0.0.1", port, place, clients=clients, seconds=seconds)
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=30)
        figures = result.summary()
        print(json.dumps({"deployment": deployment, **figures}), file=sys.stderr)
        print(
            f"{deployment:<10}{figures['req_per_s']:>8}{figures['p50_ms']:>9}"
            f"{figures['p95_ms']:>9}  {figures['statuses']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="calls per binding and method")
    parser.add_argument(
        "--placement-seconds",
        type=float,
        default=0,
        help="also compare placement throughput, monolith vs split, for S seconds each",
    )
    parser.add_argument("--clients", type=int, default=8, help="placement's concurrent clients")
    parser.add_argument("--serve-json", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_json:
        serve_json()
        return
    latency(options.calls)
    if options.placement_seconds:
        placement(options.placement_seconds, options.clients)


if __name__ == "__main__":
    main()
