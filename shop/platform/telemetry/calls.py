"""Each call from one app to another: a span and a latency sample."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace

from shop.platform.telemetry.metrics import BINDING_CALL_DURATION

_tracer = trace.get_tracer("shop.platform.bindings")


@contextmanager
def observe_binding_call(name: str, method: str) -> Iterator[None]:
    """Trace and time the call ``name`` (``inventory.reserve``) to a contract method.

    The span carries ``shop.contract``, ``shop.method`` and ``shop.outcome`` (``ok`` or
    the class of the exception raised, which is also recorded on the span); the
    latency is observed under the same labels.
    """
    contract = name.removesuffix(f".{method}")
    attributes = {"shop.contract": contract, "shop.method": method}
    outcome = "ok"
    started = time.perf_counter()
    with _tracer.start_as_current_span(name, attributes=attributes) as span:
        try:
            yield
        except BaseException as exc:
            outcome = type(exc).__name__
            raise
        finally:
            span.set_attribute("shop.outcome", outcome)
            BINDING_CALL_DURATION.labels(contract, method, outcome).observe(
                time.perf_counter() - started
            )
