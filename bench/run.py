"""Benchmarks of the shop over HTTP against PostgreSQL and Redis (not tests).

Starts granian (2 WSGI workers) on the production stack, loads a catalog and
customers, then measures each scenario and its cost relative to ``/healthz``:

    .venv/bin/python -m bench.run [--seconds 10] [--clients 8]

Prints one JSON line per scenario and a table of ratios. Uses its own databases
(``bench_*``) so it never touches development or test data.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from bench.load import json_body, run

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = "127.0.0.1"
# Its own port, so that two benchmark runs (or a run beside a server) do not meet.
PORT = int(os.environ.get("BENCH_PORT", "8765"))


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "SHOP_ENV": "production",
        "SECRET_KEY": "bench-" + "x" * 50,
        # What production refuses to start without; the benchmark pays nobody.
        "PAYMENTS_WEBHOOK_SECRET": "whsec_bench_" + "x" * 16,
        "PAYMENTS_PROVIDER": "shop.payments.providers.simulated.SimulatedProvider",
        # Served over plain HTTP on 127.0.0.1, without a TLS-ending proxy in front.
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench"
        ),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "DATABASE_POOL_MAX_SIZE": "6",
        "ORDER_PLACEMENT_RATE": "1000000/min",
        "ORDER_WRITE_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
    }


def manage(*args: str) -> str:
    completed = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


def start_server() -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).with_name("granian")),
            "--interface",
            "wsgi",
            "--host",
            HOST,
            "--port",
            str(PORT),
            "--workers",
            "2",
            "--blocking-threads",
            "4",
            "--no-log",
            "shop.wsgi:application",
        ],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{HOST}:{PORT}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("bench: the server did not start")


def api_request(method: str, path: str, token: str, body: object | None = None) -> object:
    request = urllib.request.Request(
        f"http://{HOST}:{PORT}{path}",
        method=method,
        data=json_body(body) if body is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client connections")
    options = parser.parse_args()

    print("bench: migrating bench databases", file=sys.stderr)
    manage("migrate_all")
    staff_token = manage("create_customer", "bench-staff", "--staff").strip().splitlines()[-1]
    customer_tokens = [
        manage("create_customer", f"bench-customer-{i}").strip().splitlines()[-1]
        for i in range(options.clients)
    ]
    server = start_server()
    try:
        skus = [f"BENCH-{uuid.uuid4().hex[:8].upper()}" for _ in range(4)]
        for sku in skus:
            api_request(
                "POST",
                "/api/v1/products/",
                staff_token,
                {
                    "sku": sku,
                    "name": sku,
                    "price": {"amount": "9.99", "currency": "EUR"},
                    "stock": 10_000_000,
                },
            )
        scenarios = {
            "healthz": lambda c, n: ("GET", "/healthz", {}, None),
            "product_detail": lambda c, n: ("GET", f"/api/v1/products/{skus[n % 4]}/", {}, None),
            "product_list": lambda c, n: ("GET", "/api/v1/products/?limit=20", {}, None),
            "place_order": lambda c, n: (
                "POST",
                "/api/v1/orders/",
                {
                    "Authorization": f"Token {customer_tokens[c]}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                },
                json_body(
                    {
                        "lines": [
                            {"sku": skus[n % 4], "quantity": 1},
                            {"sku": skus[(n + 1) % 4], "quantity": 2},
                        ],
                        "payment_method": "pm_card_visa",
                    }
                ),
            ),
        }
        results = []
        for name, make_request in scenarios.items():
            print(f"bench: {name} for {options.seconds:.0f} s", file=sys.stderr)
            result = run(
                name, HOST, PORT, make_request, clients=options.clients, seconds=options.seconds
            )
            results.append(result)
            print(json.dumps(result.summary()))
        baseline = results[0].rate
        print(f"\n{'scenario':<16}{'req/s':>10}{'p95 ms':>10}{'vs healthz':>12}")
        for result in results:
            print(
                f"{result.name:<16}{result.rate:>10.0f}{result.percentile(95):>10.1f}"
                f"{result.rate / baseline:>11.2f}x"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
