"""Flat with data: placement and the order list at 10k orders and at 1M.

Each size has databases of its own (``<bench>_flat<size>*``, recreated each time), so
the figures do not depend on what earlier runs left, and the sizes are measured in
turn for ``--flat-rounds`` rounds (medians): the machine's other work weighs on both
alike. The orders' history is written by PostgreSQL
itself (``INSERT … SELECT … FROM generate_series``, in batches of 100k): shipped
orders of two lines for the bench's customers over the past year, each with its
captured payment and its committed reservation, so every table a placement or a list
page touches has its full size and its indexes. Placement and the first page of a
customer's orders are driven for ``--seconds`` at ``--flat-connections``.
"""

from __future__ import annotations

import argparse
import json
import statistics

import psycopg

from bench.load import Result, Wrk
from bench.servers import Server

BATCH = 100_000
P50_GROWTH_LIMIT = 1.2


def flat(fixtures, options: argparse.Namespace) -> bool:
    from bench.run import progress

    sizes = tuple(int(size) for size in options.flat_sizes.split(","))
    # Each size in databases of its own, so the sizes can be measured in turn, round
    # after round: whatever else the machine does then weighs on both alike.
    shops = {size: build_shop(fixtures, options, size) for size in sizes}
    measured: dict[int, dict[str, list[Result]]] = {size: {} for size in sizes}
    for number in range(options.flat_rounds):
        for size, (environ, files) in shops.items():
            with Server("shop.wsgi:application", environ, "/healthz") as server:
                # A fresh server's first requests open connections and fill caches.
                Wrk(
                    "warm-up",
                    server.url + "/api/v1/orders/?limit=20",
                    script="get.lua",
                    seconds=2,
                    connections=options.flat_connections,
                    threads=1,
                    files=files["get.lua"],
                ).result()
                for name, path, script in (
                    ("place_order", "/api/v1/orders/", "place.lua"),
                    ("order_list", "/api/v1/orders/?limit=20", "get.lua"),
                ):
                    progress(
                        f"flat: round {number + 1}, {name} at {size:,} orders"
                        f" for {options.seconds:.0f} s"
                    )
                    cpu_before = server.cpu_seconds()
                    result = Wrk(
                        f"{name}@{size}",
                        server.url + path,
                        script=script,
                        seconds=options.seconds,
                        connections=options.flat_connections,
                        threads=1,
                        files=files[script],
                    ).result()
                    result.server_cpu_seconds = server.cpu_seconds() - cpu_before
                    print(json.dumps(result.summary()), flush=True)
                    measured[size].setdefault(name, []).append(result)
    small, large = sizes[0], sizes[-1]
    met = True
    print(
        f"\n{'flat (medians)':<15}{f'p50 @{small:,}':>14}{f'p50 @{large:,}':>16}{'growth':>9}"
        f"{'cpu ms/req':>16}  goal <= {P50_GROWTH_LIMIT}x"
    )
    for name in ("place_order", "order_list"):
        before, after = measured[small][name], measured[large][name]
        p50_before = statistics.median(r.p50_ms for r in before)
        p50_after = statistics.median(r.p50_ms for r in after)
        cpu_before = statistics.median(r.server_cpu_ms_per_request for r in before)
        cpu_after = statistics.median(r.server_cpu_ms_per_request for r in after)
        growth = p50_after / p50_before if p50_before else float("inf")
        errors = sum(r.errors for r in before + after)
        ok = growth <= P50_GROWTH_LIMIT and errors == 0
        met = met and ok
        print(
            f"{name:<15}{p50_before:>14.1f}{p50_after:>16.1f}{growth:>8.2f}x"
            f"{cpu_before:>8.2f} > {cpu_after:<6.2f} {'met' if ok else 'NOT met'}",
            flush=True,
        )
    return met


def build_shop(
    fixtures, options: argparse.Namespace, size: int
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Databases ``<bench>_flat<size>*`` with ``size`` orders; the shop's environment for
    them, and the wrk scripts' files."""
    from bench.run import DATABASE_URL, progress, run_python, shop_environment

    server_url, name = DATABASE_URL.rsplit("/", 1)
    base = f"{server_url}/{name}_flat{size}"
    environ = {**shop_environment(options.sampler), "DATABASE_URL": base}
    urls = {app: f"{base}_{app}" for app in ("orders", "payments", "inventory")}
    progress(f"flat: recreating {name}_flat{size}* databases")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as server:
        for url in [base, *urls.values()]:
            server.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    run_python(environ, "manage.py", "migrate_all")
    seeded = json.loads(run_python(environ, "-m", "bench.seed", "64"))
    tokens_file = fixtures.files["BENCH_TOKENS_FILE"].replace("tokens.txt", f"flat{size}.txt")
    with open(tokens_file, "w") as out:
        out.write("\n".join(seeded["tokens"]) + "\n")
    with psycopg.connect(base) as default:
        customers = [
            row[0]
            for row in default.execute(
                "SELECT id FROM auth_user WHERE username LIKE 'bench-customer-%%' ORDER BY id"
            )
        ]
    written = 0
    while written < size:
        count = min(BATCH, size - written)
        write_history(urls, customers, fixtures.skus, start=written, count=count)
        written += count
        progress(f"flat: {written:,} of {size:,} orders written")
    for url in urls.values():
        with psycopg.connect(url, autocommit=True) as database:
            database.execute("VACUUM ANALYZE")
    files = {
        "place.lua": {**fixtures.files, "BENCH_TOKENS_FILE": tokens_file},
        "get.lua": {"BENCH_TOKENS_FILE": tokens_file},
    }
    return environ, files


def write_history(
    urls: dict[str, str], customers: list[int], skus: list[str], *, start: int, count: int
) -> None:
    """Orders ``start`` .. ``start + count`` and their payments and reservations.

    Ids are ``md5('bench-flat-<n>')`` in every database, so the three apps' rows of one
    order agree without any coordination.
    """
    first, last = start + 1, start + count
    # Order n: shipped n minutes before the run, two lines (1 and 2 units at 9.99).
    series = "FROM generate_series(%(first)s::int, %(last)s::int) AS n"
    order_id = "md5('bench-flat-' || n)::uuid"
    created = "now() - make_interval(mins => n)"
    params = {
        "first": first,
        "last": last,
        "customers": customers,
        "skus": skus,
    }
    with psycopg.connect(urls["orders"]) as orders:
        orders.execute(
            "INSERT INTO orders_order (id, customer_id, status, currency, total_minor,"
            " payment_method, reason, short_skus, operation, created_at, updated_at)"
            f" SELECT {order_id}, (%(customers)s::bigint[])[1 + n %% cardinality(%(customers)s)],"
            f" 'shipped', 'EUR', 2997, 'pm_card_visa', '', '[]', '', {created}, {created}"
            f" {series}",
            params,
        )
        orders.execute(
            "INSERT INTO orders_orderline (order_id, sku, quantity, unit_price_minor)"
            f" SELECT {order_id}, (%(skus)s::text[])[1 + (n + q) %% cardinality(%(skus)s)],"
            f" q, 999 {series}, (VALUES (1), (2)) AS lines(q)",
            params,
        )
    with psycopg.connect(urls["payments"]) as payments:
        payments.execute(
            "INSERT INTO payments_payment (order_id, amount_minor, currency, payment_method,"
            " provider, provider_reference, status, captured_minor, refunded_minor,"
            " refunds_requested, decline_reason, pending_operation, pending_key,"
            " created_at, updated_at)"
            f" SELECT {order_id}, 2997, 'EUR', 'pm_card_visa', 'simulated', 'flat-' || n,"
            f" 'captured', 2997, 0, 0, '', '', '', {created}, {created} {series}",
            params,
        )
    with psycopg.connect(urls["inventory"]) as inventory:
        inventory.execute(
            "INSERT INTO inventory_reservation (order_id, state, created_at, updated_at)"
            f" SELECT {order_id}, 'committed', {created}, {created} {series}",
            params,
        )
        inventory.execute(
            "INSERT INTO inventory_reservationline (reservation_id, sku, quantity)"
            " SELECT r.id, (%(skus)s::text[])[1 + (n + q) %% cardinality(%(skus)s)], q"
            f" {series} JOIN inventory_reservation r ON r.order_id = {order_id},"
            " (VALUES (1), (2)) AS lines(q)",
            params,
        )
