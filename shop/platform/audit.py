"""The consistency audit: what every app's data must agree on, checked after the fact.

Each app contributes checks in its ``audits.py`` (``@audit_check``): of its own data
(a stock's reserved count against its open reservations), or across apps through the
contracts and bindings (a confirmed order's reservation and payment), so that the same
checks run when the apps are split. The platform runs whichever checks the installed
apps bring, records the run in the ``default`` database (``AuditRun``: when, how many
discrepancies), and exports the last run's figures to ``/metrics``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from shop.platform.models import AuditRun
from shop.platform.telemetry.metrics import gauge_at_scrape


@dataclass(frozen=True)
class Discrepancy:
    """One fact the apps' data disagree on: what it is about, and what is wrong."""

    check: str
    subject: str
    problem: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.problem}"


Progress = Callable[[int, int], None]
"""Called by a check as it goes: (items checked, items in all)."""

CheckRun = Callable[[Progress], Iterator[tuple[str, str]]]
"""A check: yields (subject, problem) for each discrepancy it finds."""


@dataclass(frozen=True)
class AuditCheck:
    name: str
    run: CheckRun


_checks: dict[str, AuditCheck] = {}


def audit_check(name: str) -> Callable[[CheckRun], CheckRun]:
    """Register a check under ``name`` (``orders.lifecycle``), run by ``audit_consistency``."""

    def register(run: CheckRun) -> CheckRun:
        _checks[name] = AuditCheck(name, run)
        return run

    return register


def audit_checks() -> list[AuditCheck]:
    """The checks of the installed apps, after importing each app's ``audits.py``."""
    autodiscover_modules("audits")
    return sorted(_checks.values(), key=lambda check: check.name)


def run_audit(
    *,
    report: Callable[[Discrepancy], None] = lambda discrepancy: None,
    progress: Callable[[str, int, int], None] = lambda check, done, total: None,
) -> AuditRun:
    """Run every check, ``report`` each discrepancy as found; record and return the run."""
    started_at = timezone.now()
    found = 0
    checks = audit_checks()
    for check in checks:
        for subject, problem in check.run(functools.partial(progress, check.name)):
            found += 1
            report(Discrepancy(check.name, subject, problem))
    return AuditRun.objects.create(
        started_at=started_at,
        finished_at=timezone.now(),
        checks=[check.name for check in checks],
        discrepancies=found,
    )


def last_run() -> AuditRun | None:
    return AuditRun.objects.order_by("-finished_at").first()


@gauge_at_scrape(
    "shop_audit_discrepancies",
    "Discrepancies the last consistency audit found (no sample before the first audit).",
)
def last_audit_discrepancies() -> float | None:
    run = last_run()
    return None if run is None else float(run.discrepancies)


@gauge_at_scrape(
    "shop_audit_last_run_timestamp_seconds",
    "When the last consistency audit finished, as a Unix time.",
)
def last_audit_finished_at() -> float | None:
    run = last_run()
    return None if run is None else run.finished_at.timestamp()
