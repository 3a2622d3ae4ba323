"""The worker: delivers every app's outbox and runs the apps' periodic jobs; with a
broker (``EVENTS_BROKER``), also relays every outbox message to it and applies the
events of producers served by other processes.

Any number of workers may run at once. Outbox rows are shared out with
``SELECT … FOR UPDATE SKIP LOCKED``; each periodic job is claimed per interval by a
conditional UPDATE of its lease row in the owning app's database, so one worker
runs it per interval however many are running. Consumers of one app share its
topics' partitions as one consumer group.
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
from shop.platform.events.broker import Broker, BrokerUnavailable, configured_broker
from shop.platform.events.consumers import (
    AppConsumer,
    ConsumeCounts,
    remote_producers_by_app,
)
from shop.platform.events.delivery import DeliveryCounts, deliver_batch, stream_pending_batch
from shop.platform.events.models import JobLease
from shop.platform.events.relay import relay_batch
from shop.platform.schedule import PeriodicJob, periodic_jobs

logger = logging.getLogger(__name__)


@dataclass
class PassReport:
    """What one pass did: deliveries over every outbox, and the jobs it ran."""

    deliveries: DeliveryCounts = field(default_factory=DeliveryCounts)
    jobs: dict[str, int] = field(default_factory=dict)
    failed_jobs: list[str] = field(default_factory=list)
    relayed: int = 0
    received: ConsumeCounts = field(default_factory=ConsumeCounts)

    @property
    def busy(self) -> bool:
        """Whether it moved events (so the next pass should not wait)."""
        return bool(self.deliveries.total or self.relayed or self.received.total)

    @property
    def idle(self) -> bool:
        return not self.busy and not self.jobs and not self.failed_jobs

    def summary(self) -> str:
        d = self.deliveries
        text = (
            f"delivered {d.delivered}, retried {d.retried}, parked {d.parked}, "
            f"re-streamed {d.streamed}"
        )
        if self.relayed:
            text += f"; relayed {self.relayed}"
        if self.received.total:
            r = self.received
            text += (
                f"; received: applied {r.applied}, repeated {r.repeated}, parked {r.parked}, "
                f"re-driven {r.redriven}"
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
        broker: Broker | None = None,
        receive_timeout: float = 0.2,
    ) -> None:
        self.batch_size = batch_size
        # The outboxes of the apps installed here (all of them in the monolith).
        self.aliases = app_database_aliases() if aliases is None else tuple(aliases)
        self.jobs = [(job, job_alias(job)) for job in (periodic_jobs() if jobs is None else jobs)]
        self.broker = broker if broker is not None else configured_broker()
        self.receive_timeout = receive_timeout
        self.consumers = (
            [
                AppConsumer(self.broker, app=app, producers=producers)
                for app, producers in sorted(remote_producers_by_app().items())
            ]
            if self.broker is not None
            else []
        )
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        # A lease seen in the future needs no query until then.
        self._not_before: dict[str, datetime] = {}

    def run_pass(self) -> PassReport:
        """Deliver one batch from each outbox, retry failed stream appends, run due jobs."""
        report = PassReport()
        broker_answers = self.broker is not None
        for alias in self.aliases:
            try:
                report.deliveries += deliver_batch(alias, batch_size=self.batch_size)
                report.deliveries.streamed += stream_pending_batch(
                    alias, batch_size=self.batch_size
                )
            except DatabaseError:
                # One app database being away must not stop the others' events.
                logger.exception("cannot deliver the %s outbox", alias)
            if self.broker is not None and broker_answers:
                try:
                    report.relayed += relay_batch(alias, self.broker, batch_size=self.batch_size)
                except BrokerUnavailable:
                    broker_answers = False  # One wait per pass for a broker that is away.
                except DatabaseError:
                    logger.exception("cannot relay the %s outbox", alias)
        for consumer in self.consumers:
            try:
                report.received += consumer.run_once(
                    max_messages=self.batch_size, timeout=self.receive_timeout
                )
            except DatabaseError:
                logger.exception("cannot apply the events received by %s", consumer.group)
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
            if not report.busy:
                stop.wait(poll_interval)

    def close(self) -> None:
        """Leave the consumer groups (their partitions go to the other workers at once)."""
        for consumer in self.consumers:
            consumer.close()

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
