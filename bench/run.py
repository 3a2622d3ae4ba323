"""Benchmarks of the shop over HTTP, as ratios of baselines measured in the same run.

    make bench [BENCH_ARGS="--seconds 10 --runs 2 --soak --flat"]
    .venv/bin/python -m bench.run --help

Each round serves the baselines' project (``bench/baseline``: a plain ``JsonResponse``,
and one ORM transaction) and then the shop, both under granian with 2 WSGI workers x 4
blocking threads, on PostgreSQL and Redis, and drives each scenario with wrk. Reads are
reported against the plain baseline, placements against the one-transaction baseline.
``--soak`` adds the 90/10 mixed run at the seed's peak and a consistency check
afterwards; ``--flat`` compares placement and the order list at 10k and at 1M orders.

Uses its own databases (``BENCH_DATABASE_URL``, default ``.../bench``, and
``<name>_baseline``) and Redis db (``BENCH_REDIS_URL``, default db 9); ``BENCH_PORT``
fixes the port, otherwise a free one is taken.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.load import Result, Wrk, write_lines
from bench.servers import ROOT, Server, database_cpu_seconds

PYTHON = sys.executable
WORK_DIR = ROOT / "var" / "bench"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
POOL_SIZE = "6"
_SERVER_URL, _DATABASE = DATABASE_URL.rsplit("/", 1)
ADMIN_URL = f"{_SERVER_URL}/postgres"
# What each server's backends are connected to: the shop's four, the baselines' one.
SHOP_DATABASES = [_DATABASE, *(f"{_DATABASE}_{app}" for app in ("inventory", "orders", "payments"))]
BASELINE_DATABASES = [f"{_DATABASE}_baseline"]
CUSTOMERS = 64

# The goals of issue 16: (baseline, least ratio, greatest p99 in ms or None).
GOALS: dict[str, tuple[str, float, float | None]] = {
    "product_detail": ("plain", 0.6, None),
    "product_list": ("plain", 0.4, None),
    "place_order": ("one_tx", 0.5, 150.0),
    "place_order_hot": ("one_tx", 0.5, 150.0),
}
BASELINE_OF = {
    "healthz": "plain",
    "product_detail": "plain",
    "product_list": "plain",
    "place_order": "one_tx",
    "place_order_hot": "one_tx",
}
QUICK_SCENARIOS = ["plain", "one_tx", *BASELINE_OF]


def shop_environment(sampler: str | None) -> dict[str, str]:
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "SHOP_ENV": "production",
        "SECRET_KEY": "bench-" + "x" * 50,
        # What production refuses to start without; the benchmark pays nobody.
        "PAYMENTS_WEBHOOK_SECRET": "whsec_bench_" + "x" * 16,
        "PAYMENTS_PROVIDER": "shop.payments.providers.simulated.SimulatedProvider",
        # Served over plain HTTP on 127.0.0.1, without a TLS-ending proxy in front.
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "DATABASE_POOL_MAX_SIZE": POOL_SIZE,
        # The throttle still runs (its round trip is part of the cost); it never refuses.
        "ORDER_PLACEMENT_RATE": "100000000/min",
        "ORDER_WRITE_RATE": "100000000/min",
        # Production's level: every answer writes its JSON access line (to the server's log
        # file here, to stdout in a pod); BENCH_LOG_LEVEL=WARNING measures without them.
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
    }
    environ.pop("OTEL_TRACES_SAMPLER", None)
    environ.pop("OTEL_TRACES_SAMPLER_ARG", None)
    if sampler:
        name, _, arg = sampler.partition(":")
        environ["OTEL_TRACES_SAMPLER"] = name
        if arg:
            environ["OTEL_TRACES_SAMPLER_ARG"] = arg
    return environ


def baseline_environment() -> dict[str, str]:
    name = DATABASE_URL.rsplit("/", 1)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
        "BASELINE_DATABASE_URL": f"{name[0]}/{name[1]}_baseline",
        "DATABASE_POOL_MAX_SIZE": POOL_SIZE,
    }


def run_python(environ: dict[str, str], *args: str, check: bool = True) -> str:
    """Run a short command; without a pool, whose threads would hold up its exit."""
    completed = subprocess.run(
        [PYTHON, *args],
        cwd=ROOT,
        env={**environ, "DATABASE_POOL_MAX_SIZE": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0 and (check or not completed.stdout.strip()):
        raise SystemExit(f"bench: {' '.join(args)} failed:\n{completed.stderr.strip()[-2000:]}")
    return completed.stdout


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass
class Fixtures:
    tokens: list[str]
    skus: list[str]
    hot_sku: str
    files: dict[str, str]


def prepare(sampler: str | None) -> Fixtures:
    progress("migrating the shop's bench databases and the baselines' database")
    run_python(shop_environment(sampler), "manage.py", "migrate_all")
    run_python(baseline_environment(), "-m", "bench.baseline.prepare")
    progress(f"seeding 51 products and {CUSTOMERS} customers")
    seeded = json.loads(run_python(shop_environment(sampler), "-m", "bench.seed", str(CUSTOMERS)))
    skus: list[str] = seeded["skus"]
    files = {
        "BENCH_TOKENS_FILE": write_lines(WORK_DIR / "tokens.txt", seeded["tokens"]),
        "BENCH_SKUS_FILE": write_lines(WORK_DIR / "skus.txt", skus),
        "BENCH_PATHS_FILE": write_lines(
            WORK_DIR / "product-paths.txt", [f"/api/v1/products/{sku}/" for sku in skus]
        ),
    }
    return Fixtures(seeded["tokens"], skus, seeded["hot_sku"], files)


def drive(
    name: str,
    server: Server,
    path: str,
    script: str,
    options: argparse.Namespace,
    files: dict[str, str] | None = None,
) -> Result:
    progress(f"{name} for {options.seconds:.0f} s")
    databases = BASELINE_DATABASES if server.application.startswith("bench.") else SHOP_DATABASES
    cpu_before = server.cpu_seconds()
    database_before = database_cpu_seconds(ADMIN_URL, databases)
    result = Wrk(
        name,
        server.url + path,
        script=script,
        seconds=options.seconds,
        connections=options.connections,
        threads=options.threads,
        files=files,
    ).result()
    result.server_cpu_seconds = server.cpu_seconds() - cpu_before
    result.database_cpu_seconds = database_cpu_seconds(ADMIN_URL, databases) - database_before
    print(json.dumps(result.summary()), flush=True)
    return result


def quick_round(
    fixtures: Fixtures, options: argparse.Namespace, wanted: set[str]
) -> dict[str, Result]:
    results: dict[str, Result] = {}
    if wanted & {"plain", "one_tx"}:
        with Server("bench.baseline.wsgi:application", baseline_environment(), "/plain") as server:
            if "plain" in wanted:
                results["plain"] = drive("plain", server, "/plain", "get.lua", options)
            if "one_tx" in wanted:
                results["one_tx"] = drive("one_tx", server, "/tx", "post.lua", options)
    shop: dict[str, Callable[[Server], Result]] = {
        "healthz": lambda s: drive("healthz", s, "/healthz", "get.lua", options),
        "product_detail": lambda s: drive(
            "product_detail",
            s,
            "/",
            "get.lua",
            options,
            {"BENCH_PATHS_FILE": fixtures.files["BENCH_PATHS_FILE"]},
        ),
        "product_list": lambda s: drive(
            "product_list", s, "/api/v1/products/?limit=20", "get.lua", options
        ),
        "place_order": lambda s: drive(
            "place_order", s, "/api/v1/orders/", "place.lua", options, fixtures.files
        ),
        "place_order_hot": lambda s: drive(
            "place_order_hot",
            s,
            "/api/v1/orders/",
            "place.lua",
            options,
            {**fixtures.files, "BENCH_HOT_SKU": fixtures.hot_sku},
        ),
    }
    if wanted & set(shop):
        environ = shop_environment(options.sampler)
        with Server("shop.wsgi:application", environ, "/healthz") as server:
            for name, scenario in shop.items():
                if name in wanted:
                    results[name] = scenario(server)
    return results


def report(rounds: list[dict[str, Result]]) -> None:
    """The table: each scenario's median over rounds, its ratio to its baseline's median,
    and the goal it is held to."""
    names = [name for name in QUICK_SCENARIOS if any(name in r for r in rounds)]
    rate = {n: statistics.median(r[n].rate for r in rounds if n in r) for n in names}
    print(
        f"\n{'scenario':<17}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'cpu ms/req':>12}{'db ms/req':>11}{'wrk cores':>11}{'ratio':>16}  goal"
    )
    for name in names:
        runs = [r[name] for r in rounds if name in r]
        p50 = statistics.median(x.p50_ms for x in runs)
        p99 = max(x.p99_ms for x in runs)
        errors = sum(x.errors for x in runs)
        cpu = statistics.median(x.server_cpu_ms_per_request for x in runs)
        database = statistics.median(x.database_cpu_ms_per_request for x in runs)
        loadgen = max(x.loadgen_cores for x in runs)
        baseline = BASELINE_OF.get(name)
        ratio = "1 (baseline)" if baseline is None else f"no {baseline} run"
        verdict = ""
        if baseline in rate:
            value = rate[name] / rate[baseline]
            ratio = f"{value:.2f}x {baseline}"
            if name in GOALS:
                _, least, most_p99 = GOALS[name]
                met = value >= least and (most_p99 is None or p99 <= most_p99) and errors == 0
                limit = f" p99<={most_p99:.0f}" if most_p99 else ""
                verdict = f">={least}x{limit}: {'met' if met else 'NOT met'}"
        print(
            f"{name:<17}{rate[name]:>9.0f}{p50:>9.1f}{p99:>9.1f}{errors:>8}"
            f"{cpu:>12.2f}{database:>11.2f}{loadgen:>11.2f}{ratio:>16}  {verdict}"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


SAMPLERS = {
    "100%": "always_on",
    "default (production)": None,
    "none sampled": "always_off",
}


def cpu_per_request(fixtures: Fixtures) -> None:
    """``bench.cpu`` once per sampler, each in a fresh process (tracing is set up once)."""
    rows = {}
    for label, sampler in SAMPLERS.items():
        progress(f"CPU per request, traces sampled: {label}")
        completed = subprocess.run(
            [PYTHON, "-m", "bench.cpu", json.dumps(fixtures.tokens), json.dumps(fixtures.skus)],
            cwd=ROOT,
            env=shop_environment(sampler),
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise SystemExit(f"bench: bench.cpu failed:\n{completed.stderr[-2000:]}")
        rows[label] = json.loads(completed.stdout.strip().splitlines()[-1])
        print(json.dumps({"sampled": label, **rows[label]}), flush=True)
    names = list(next(iter(rows.values())))
    print(f"\n{'CPU us/request':<22}" + "".join(f"{n.removesuffix('_us'):>16}" for n in names))
    for label, figures in rows.items():
        print(f"{label:<22}" + "".join(f"{figures[n]:>16}" for n in names), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="make bench BENCH_ARGS=...",
        description=__doc__.split("\n\n")[0],
        epilog="Scenarios: " + ", ".join(QUICK_SCENARIOS),
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each scenario")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (-c)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (-t)")
    parser.add_argument("--runs", type=int, default=1, help="rounds of the quick scenarios")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated quick scenarios (default: all; none: only --cpu, --soak, --flat)",
    )
    parser.add_argument(
        "--sampler",
        default=None,
        help="OTEL_TRACES_SAMPLER[:ARG] for the shop, e.g. always_on or "
        "parentbased_traceidratio:0.1 (default: the shop's own)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="add CPU per request in one process, traced at 100%%, at the default and not",
    )
    parser.add_argument("--soak", action="store_true", help="add the 90/10 mixed run")
    parser.add_argument("--soak-seconds", type=float, default=300.0, help="its length")
    parser.add_argument("--flat", action="store_true", help="add flat-with-data (10k vs 1M)")
    parser.add_argument(
        "--flat-connections", type=int, default=8, help="wrk connections for --flat"
    )
    parser.add_argument(
        "--flat-sizes", default="10000,1000000", help="order counts compared by --flat"
    )
    parser.add_argument("--flat-rounds", type=int, default=3, help="rounds of --flat")
    options = parser.parse_args()

    wanted = set(QUICK_SCENARIOS)
    if options.only:
        wanted = {name.strip() for name in options.only.split(",")} - {"", "none"}
        unknown = wanted - set(QUICK_SCENARIOS)
        if unknown:
            parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    fixtures = prepare(options.sampler)
    if wanted:
        rounds = []
        for number in range(options.runs):
            if options.runs > 1:
                progress(f"round {number + 1} of {options.runs}")
            rounds.append(quick_round(fixtures, options, wanted))
        report(rounds)
    if options.cpu:
        cpu_per_request(fixtures)
    if options.soak:
        from bench.soak import soak

        soak(fixtures, options)
    if options.flat:
        from bench.flat import flat

        flat(fixtures, options)


if __name__ == "__main__":
    started = time.monotonic()
    try:
        main()
    except KeyboardInterrupt:
        raise SystemExit("bench: interrupted") from None
    progress(f"done in {time.monotonic() - started:.0f} s")
