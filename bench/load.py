"""A small closed-loop HTTP load generator: N client threads, keep-alive connections.

Reports throughput and latency percentiles for one scenario. Used by bench/run.py;
standard library only so it runs wherever the shop runs.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Request = tuple[str, str, dict[str, str], bytes | None]  # method, path, headers, body


@dataclass
class Result:
    name: str
    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def summary(self) -> dict[str, object]:
        return {
            "scenario": self.name,
            "requests": self.requests,
            "req_per_s": round(self.rate, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
            "statuses": self.statuses,
        }


def run(
    name: str,
    host: str,
    port: int,
    make_request: Callable[[int, int], Request],
    *,
    clients: int,
    seconds: float,
) -> Result:
    """Drive ``make_request(client, n)`` from ``clients`` threads for ``seconds``."""
    result = Result(name)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        latencies, statuses, n = [], {}, 0
        while time.perf_counter() < deadline:
            method, path, headers, body = make_request(index, n)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
                status = 599
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            n += 1
        connection.close()
        with lock:
            result.latencies_ms.extend(latencies)
            for status, count in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies_ms)
    return result


def json_body(data: object) -> bytes:
    return json.dumps(data).encode()
