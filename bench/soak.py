"""The seed's day at its 10x peak: 90/10 reads and placements, paced, then a consistency check.

The system Shop learns from served 10M requests a day; at ten times its average, that
is about 1,040 catalog reads and 116 placements a second. Two paced wrk processes hold
those rates for ``--soak-seconds`` against one server, each with its own latency
figures; then every order placed meanwhile is checked against its reservation and
payment (``manage.py audit_consistency`` where it exists, else ``bench.consistency``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime

from bench.load import Wrk, write_lines
from bench.servers import ROOT, Server

READS_PER_SECOND = 1040
PLACEMENTS_PER_SECOND = 116
READ_P99_MS = 100.0
PLACEMENT_P99_MS = 250.0
PROGRESS_EVERY = 30.0


def soak(fixtures, options: argparse.Namespace) -> bool:
    from bench.run import WORK_DIR, progress, run_python, shop_environment

    # Nine product reads to one page read.
    paths = [f"/api/v1/products/{sku}/" for sku in fixtures.skus]
    paths += [f"/api/v1/products/?limit={n}" for n in (5, 10, 20, 20, 50)]
    reads_file = write_lines(WORK_DIR / "soak-paths.txt", paths)
    environ = shop_environment(options.sampler)
    seconds = options.soak_seconds
    progress(
        f"soak: {READS_PER_SECOND} reads/s + {PLACEMENTS_PER_SECOND} placements/s "
        f"for {seconds:.0f} s"
    )
    with Server("shop.wsgi:application", environ, "/healthz") as server:
        since = datetime.now(UTC)
        cpu_before = server.cpu_seconds()
        reads = Wrk(
            "soak_reads",
            server.url + "/",
            script="get.lua",
            seconds=seconds,
            connections=16,
            threads=1,
            rate=READS_PER_SECOND,
            files={"BENCH_PATHS_FILE": reads_file},
        )
        placements = Wrk(
            "soak_placements",
            server.url + "/api/v1/orders/",
            script="place.lua",
            seconds=seconds,
            connections=48,
            threads=1,
            rate=PLACEMENTS_PER_SECOND,
            files=fixtures.files,
        )
        started = time.monotonic()
        while reads.process.poll() is None or placements.process.poll() is None:
            time.sleep(1)
            elapsed = time.monotonic() - started
            if int(elapsed) % int(PROGRESS_EVERY) == 0 and elapsed < seconds:
                cores = (server.cpu_seconds() - cpu_before) / elapsed
                progress(f"soak: {elapsed:.0f}/{seconds:.0f} s, server {cores:.2f} cores")
        read_result, placement_result = reads.result(), placements.result()
        server_cpu = server.cpu_seconds() - cpu_before
        # Audited while the server still runs: it may be finishing what wrk left.
        verdicts = []
        for result, target, p99_limit in (
            (read_result, READS_PER_SECOND, READ_P99_MS),
            (placement_result, PLACEMENTS_PER_SECOND, PLACEMENT_P99_MS),
        ):
            result.extra = {"target_per_s": target, "p99_limit_ms": p99_limit}
            print(json.dumps(result.summary()), flush=True)
            # Paced: a rate well below the target means the server fell behind.
            verdicts.append(
                result.errors == 0 and result.p99_ms < p99_limit and result.rate >= 0.95 * target
            )
        # What production's worker does every minute: settle what a stopped server left
        # mid-placement (an earlier scenario's, or this one's last requests): ask the
        # provider about unanswered payments, then finish or compensate their orders.
        progress("soak: settling what was left in flight, then checking the three apps")
        run_python(environ, "manage.py", "resolve_unanswered_payments")
        run_python(environ, "manage.py", "reconcile_orders")
        audit = audit_consistency(run_python, environ, since)
        print(json.dumps({"consistency": audit}), flush=True)
    clean = not audit.get("problems")
    total = read_result.requests + placement_result.requests
    print(
        f"\nsoak {seconds:.0f} s: reads {read_result.rate:.0f}/s p99 {read_result.p99_ms:.1f} ms"
        f" (goal <{READ_P99_MS:.0f}), placements {placement_result.rate:.1f}/s"
        f" p99 {placement_result.p99_ms:.1f} ms (goal <{PLACEMENT_P99_MS:.0f}),"
        f" errors {read_result.errors + placement_result.errors},"
        f" server {1000 * server_cpu / max(total, 1):.2f} ms CPU/request,"
        f" consistency {'clean' if clean else 'NOT clean'}:"
        f" {'met' if all(verdicts) and clean else 'NOT met'}",
        flush=True,
    )
    return all(verdicts) and clean


def audit_consistency(run_python, environ: dict[str, str], since: datetime) -> dict:
    """The audit's verdict: ``problems`` is empty when the three apps agree."""
    commands = run_python(environ, "manage.py", "help", "--commands")
    if "audit_consistency" in commands.split():
        command = [sys.executable, "manage.py", "audit_consistency"]
    else:
        command = [sys.executable, "-m", "bench.consistency", "--since", since.isoformat()]
    completed = subprocess.run(
        command,
        cwd=ROOT,
        env={**environ, "DATABASE_POOL_MAX_SIZE": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout.strip()
    if command[1] == "-m" and output:
        return {"tool": "bench.consistency", **json.loads(output.splitlines()[-1])}
    problems = [] if completed.returncode == 0 else [(output or completed.stderr)[-2000:]]
    return {"tool": "manage.py audit_consistency", "output": output[-2000:], "problems": problems}
