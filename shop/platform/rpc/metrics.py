"""The remote calls' Prometheus metrics: every attempt a client makes, every call served.

The caller's view of a whole call (retries included) is the binding's own
``shop_binding_call_duration_seconds``; these two show what crossed the wire.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from shop.platform.telemetry.metrics import LATENCY_BUCKETS

RPC_CLIENT_ATTEMPT_DURATION = Histogram(
    "shop_rpc_client_attempt_duration_seconds",
    "One attempt of a remote call, by service, method and gRPC status code (OK, "
    "UNAVAILABLE, DEADLINE_EXCEEDED, FAILED_PRECONDITION for a contract error, ...).",
    ["service", "method", "code"],
    buckets=LATENCY_BUCKETS,
)
RPC_CLIENT_REFUSALS = Counter(
    "shop_rpc_client_refusals",
    "Remote calls answered ServiceUnavailable without a usable answer, by service, method "
    "and reason (unreachable, deadline, circuit_open).",
    ["service", "method", "reason"],
)
RPC_SERVER_DURATION = Histogram(
    "shop_rpc_server_duration_seconds",
    "Remote calls served, by service, method and outcome (ok, or the class of the "
    "exception the facade raised).",
    ["service", "method", "outcome"],
    buckets=LATENCY_BUCKETS,
)
