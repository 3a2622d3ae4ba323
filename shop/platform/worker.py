"""The worker: delivers every app's outbox and runs the apps' periodic jobs.

Any number of workers may run at once. Outbox rows are shared out with
``SELECT … FOR UPDATE SKIP LOCKED``; each periodic job is claimed per interval by a
conditional UPDATE of its lease row in the owning app's database, so one worker
runs it per interval however many are running.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.apps import apps
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from shop.platform.domains import app_database_aliases, domain_app_of_label
from shop.platform.events.delivery import DeliveryCounts, deliver_batch, stream_pending_batch
from shop.platform.events.models import JobLease
from shop.platform.schedule import PeriodicJob, periodic_jobs

logger = logging.getLogger(__name__)


@dataclass
class PassReport:
    """What one pass did: deliveries over every outbox, and the jobs it ran."""

    deliveries: DeliveryCounts = field(default_factory=DeliveryCounts)
    jobs: dict[str, int] = field(default_factory=dict)
    failed_jobs: list[str] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        return self.deliveries.total == 0 and not self.jobs and not self.failed_jobs

    def summary(self) -> str:
        d = self.deliveries
        text = (
            f"delivered {d.delivered}, retried {d.retried}, parked {d.parked}, "
            f"re-streamed {d.streamed}"
        )
        ran = [f"{name} ({handled})" for name, handled in self.jobs.items()]
        ran += [f"{name} (failed)" for name in self.failed_jobs]
        if ran:
            text += "; jobs: " + ", ".join(ran)
        return text


def job_alias(job: PeriodicJob) -> str:
    """The app database holding ``job``'s lease: its declared app, or the app of its code."""
    label = job.app
    if label is None:
        app_config = apps.get_containing_app_config(job.run.__module__)
        label = app_config.label if app_config is not None else None
    app = domain_app_of_label(label) if label is not None else None
    if app is None:
        raise LookupError(
            f"periodic job {job.name!r} belongs to no app database; "
            "declare it in an app's jobs.py or pass app= to periodic_job"
        )
    return app.database_alias


class Worker:
    """One worker process's loop over the outboxes and the job schedule."""

    def __init__(
        self,
        *,
        batch_size: int = 100,
        aliases: Sequence[str] | None = None,
        jobs: Sequence[PeriodicJob] | None = None,
    ) -> None:
        self.batch_size = batch_size
        self.aliases = app_database_aliases() if aliases is None else tuple(aliases)
        self.jobs = [(job, job_alias(job)) for job in (periodic_jobs() if jobs is None else jobs)]
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        # A lease seen in the future needs no query until then.
        self._not_before: dict[str, datetime] = {}

    def run_pass(self) -> PassReport:
        """Deliver one batch from each outbox, retry failed stream appends, run due jobs."""
        report = PassReport()
        for alias in self.aliases:
            try:
                report.deliveries += deliver_batch(alias, batch_size=self.batch_size)
                report.deliveries.streamed += stream_pending_batch(
                    alias, batch_size=self.batch_size
                )
            except DatabaseError:
                # One app database being away must not stop the others' events.
                logger.exception("cannot deliver the %s outbox", alias)
        for job, alias in self.jobs:
            self._run_if_due(job, alias, report)
        return report

    def run_forever(
        self,
        *,
        poll_interval: float,
        stop: threading.Event,
        on_pass: Callable[[PassReport], None] = lambda report: None,
    ) -> None:
        """Run passes until ``stop`` is set; a pass in progress is finished first.

        Waits ``poll_interval`` seconds after a pass that found nothing to do.
        """
        while not stop.is_set():
            close_old_connections()
            report = self.run_pass()
            on_pass(report)
            if report.deliveries.total == 0:
                stop.wait(poll_interval)

    def _run_if_due(self, job: PeriodicJob, alias: str, report: PassReport) -> None:
        now = timezone.now()
        not_before = self._not_before.get(job.name)
        if not_before is not None and now < not_before:
            return
        try:
            claimed = self._claim(job, alias, now)
        except DatabaseError:
            logger.exception("cannot claim periodic job %s", job.name)
            return
        if not claimed:
            return
        try:
            report.jobs[job.name] = job.run()
        except Exception:
            logger.exception("periodic job %s failed", job.name)
            report.failed_jobs.append(job.name)

    def _claim(self, job: PeriodicJob, alias: str, now: datetime) -> bool:
        leases = JobLease.objects.using(alias)
        leases.bulk_create([JobLease(name=job.name, next_run_at=now)], ignore_conflicts=True)
        claimed = (
            leases.filter(name=job.name, next_run_at__lte=now).update(
                next_run_at=now + job.every, last_run_by=self.identity
            )
            == 1
        )
        if claimed:
            self._not_before[job.name] = now + job.every
        else:
            next_run_at = leases.filter(name=job.name).values_list("next_run_at", flat=True)
            self._not_before[job.name] = next_run_at.first() or now
        return claimed
