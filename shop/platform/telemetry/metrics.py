"""Prometheus metrics: what the process counts, the helpers apps call, and exposition.

Under a server with several worker processes, set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory (wiped when the server starts): each worker then writes its samples
there and ``/metrics`` sums them over all workers. Unset (development, tests), the
process's default registry is served.

Gauges that describe shared state (outbox lag, readiness, stuck orders) are computed
when ``/metrics`` is scraped, by the functions registered with ``gauge_at_scrape``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# ``*_created`` series double what is stored and no rule or dashboard here reads them.
disable_created_metrics()

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "shop_http_requests",
    "HTTP requests served, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "shop_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template, method and status code.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
HTTP_EXCEPTIONS = Counter(
    "shop_http_exceptions",
    "Requests ended by an unhandled exception (answered 500), by exception class.",
    ["route", "method", "exception"],
)
BINDING_CALL_DURATION = Histogram(
    "shop_binding_call_duration_seconds",
    "Calls from one app to another through a binding, by contract, method and outcome "
    "(ok, or the class of the exception raised).",
    ["contract", "method", "outcome"],
    buckets=LATENCY_BUCKETS,
)
GaugeReading = float | None | Mapping[tuple[str, ...], float]
"""A scrape-time gauge's value: one number, nothing yet, or one number per label tuple."""


@dataclass(frozen=True)
class ScrapeGauge:
    name: str
    documentation: str
    labelnames: tuple[str, ...]
    read: Callable[[], GaugeReading]


_scrape_gauges: dict[str, ScrapeGauge] = {}


def gauge_at_scrape(
    name: str, documentation: str, *, labelnames: tuple[str, ...] = ()
) -> Callable[[Callable[[], GaugeReading]], Callable[[], GaugeReading]]:
    """Register a function whose result ``/metrics`` exposes as the gauge ``name``.

    The function runs at every scrape, in the process that answers it; it returns a
    number, ``None`` to expose no sample, or (with ``labelnames``) a mapping of label
    value tuples to numbers. A function that raises is logged and its gauge skipped.
    """

    def register(read: Callable[[], GaugeReading]) -> Callable[[], GaugeReading]:
        _scrape_gauges[name] = ScrapeGauge(name, documentation, labelnames, read)
        return read

    return register


class ScrapeGaugeCollector(Collector):
    """Reads every gauge registered with ``gauge_at_scrape``."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in list(_scrape_gauges.values()):
            try:
                reading = gauge.read()
            except Exception:
                logger.exception("gauge %s could not be read", gauge.name)
                continue
            family = GaugeMetricFamily(
                gauge.name, gauge.documentation, labels=list(gauge.labelnames)
            )
            if isinstance(reading, Mapping):
                for labels, value in reading.items():
                    family.add_metric(list(labels), value)
            elif reading is not None:
                family.add_metric([], reading)
            yield family

    def describe(self) -> list:
        # Nothing to declare up front: reading at registration would query databases.
        return []


def exposition(*scrape_collectors: Collector) -> tuple[bytes, str]:
    """The Prometheus text of this process (or of all workers), then of the gauges read
    now (``gauge_at_scrape``, and ``scrape_collectors``), with its content type."""
    scrape_time = CollectorRegistry(auto_describe=False)
    for collector in (ScrapeGaugeCollector(), *scrape_collectors):
        scrape_time.register(collector)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers)
        counted = generate_latest(workers)
    else:
        counted = generate_latest(REGISTRY)
    return counted + generate_latest(scrape_time), CONTENT_TYPE_LATEST
