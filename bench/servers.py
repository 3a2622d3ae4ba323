"""The servers the bench measures, started as ``deploy/web/run`` starts the shop.

Both the shop and the baselines' project run under granian with the same options
(WSGI, 2 workers x 4 blocking threads), on a free port, and report the CPU their
process tree used so a scenario can state what one request cost the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
GRANIAN = str(Path(sys.executable).with_name("granian"))
WORKERS = int(os.environ.get("GRANIAN_WORKERS", "2"))
BLOCKING_THREADS = int(os.environ.get("GRANIAN_BLOCKING_THREADS", "4"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """One granian serving ``application`` (a WSGI dotted path) until ``stop()``."""

    def __init__(self, application: str, environ: dict[str, str], ready_path: str) -> None:
        self.application = application
        self.port = int(os.environ.get("BENCH_PORT") or free_port())
        self.url = f"http://{HOST}:{self.port}"
        log_dir = ROOT / "var" / "bench"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{application.split('.')[0]}-server.log"
        # Several workers write their metrics here, as deploy/web/run arranges.
        self._metrics_dir = tempfile.TemporaryDirectory(prefix="bench-prometheus-")
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [
                    GRANIAN,
                    "--interface",
                    "wsgi",
                    "--host",
                    HOST,
                    "--port",
                    str(self.port),
                    "--workers",
                    str(WORKERS),
                    "--blocking-threads",
                    str(BLOCKING_THREADS),
                    application,
                ],
                cwd=ROOT,
                env={**environ, "PROMETHEUS_MULTIPROC_DIR": self._metrics_dir.name},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready(ready_path)

    def _wait_until_ready(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + path, timeout=2):
                    pass
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"bench: the server did not start (see {self.log_path})")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server and all its workers."""
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.process.pid))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._metrics_dir.cleanup()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def database_cpu_seconds(url: str, names: Iterable[str]) -> float:
    """CPU time used so far by the PostgreSQL backends connected to the databases ``names``.

    The servers' pools keep their connections for a whole scenario, so the difference
    over a scenario is what the database spent on it (background writers excluded).
    """
    with psycopg.connect(url, autocommit=True) as connection:
        pids = [
            pid
            for (pid,) in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s)", [list(names)]
            )
        ]
    return sum(_cpu_seconds(pid) for pid in pids)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _process_tree(root: int) -> list[int]:
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                pending.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                continue
    return found
