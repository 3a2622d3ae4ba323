"""The load generator: wrk (C, event-driven), driven with the Lua scripts in ``lua/``.

One wrk thread keeps thousands of requests a second going for a few percent of a core,
so the two cores stay with the server, PostgreSQL and Redis; each result states the CPU
wrk itself used, so that claim is measured on every run rather than assumed.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"


@dataclass
class Result:
    """What one wrk run measured (latencies in ms)."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    loadgen_cpu_seconds: float
    server_cpu_seconds: float = 0.0
    database_cpu_seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_seconds / self.requests if self.requests else 0.0

    @property
    def database_cpu_ms_per_request(self) -> float:
        return 1000 * self.database_cpu_seconds / self.requests if self.requests else 0.0

    @property
    def loadgen_cores(self) -> float:
        return self.loadgen_cpu_seconds / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, object]:
        return {
            "scenario": self.name,
            "requests": self.requests,
            "req_per_s": round(self.rate, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p90_ms": round(self.p90_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "max_ms": round(self.max_ms, 2),
            "errors": self.errors,
            "server_cpu_ms_per_request": round(self.server_cpu_ms_per_request, 2),
            "database_cpu_ms_per_request": round(self.database_cpu_ms_per_request, 2),
            "loadgen_cores": round(self.loadgen_cores, 3),
            **self.extra,
        }


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("bench: wrk is missing; `make bench` installs it (scripts/bench-tools)")
    return found


class Wrk:
    """A started wrk process; ``result()`` waits for it and parses its summary."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        script: str,
        seconds: float,
        connections: int,
        threads: int,
        rate: float = 0.0,
        files: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        environ = {
            **os.environ,
            "BENCH_WRK_DIR": str(LUA_DIR),
            "BENCH_THREADS": str(threads),
            "BENCH_RATE": str(rate),
            **(files or {}),
        }
        self._before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.process = subprocess.Popen(
            [
                require_wrk(),
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(LUA_DIR / script),
                url,
            ],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self) -> Result:
        out, err = self.process.communicate()
        # Children's usage is counted once waited for; only this wrk ran meanwhile
        # unless two run side by side, in which case both share the figure.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - self._before.ru_utime) + (after.ru_stime - self._before.ru_stime)
        line = next((x for x in out.splitlines() if x.startswith("BENCH_JSON ")), None)
        if self.process.returncode != 0 or line is None:
            raise SystemExit(f"bench: wrk failed for {self.name}: {err.strip() or out.strip()}")
        figures = json.loads(line.removeprefix("BENCH_JSON "))
        kinds = ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
        errors = sum(figures[kind] for kind in kinds)
        return Result(
            name=self.name,
            requests=figures["requests"],
            seconds=figures["duration_us"] / 1e6,
            p50_ms=figures["p50_us"] / 1000,
            p90_ms=figures["p90_us"] / 1000,
            p99_ms=figures["p99_us"] / 1000,
            max_ms=figures["max_us"] / 1000,
            errors=errors,
            loadgen_cpu_seconds=cpu,
        )


def write_lines(path: Path, lines: list[str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return str(path)
