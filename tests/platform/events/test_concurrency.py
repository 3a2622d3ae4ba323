"""Several workers at once, and workers that die: every event applied exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.db import connections, transaction

from shop.platform.domains import app_database_aliases
from shop.platform.events import publish
from shop.platform.events.models import InboxMessage, OutboxMessage
from shop.platform.events.subscriptions import subscriptions_for
from shop.platform.worker import Worker
from tests.platform.events.scenario import DELAY_VARIABLE, ParcelPacked, effects

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
# How long a killed worker's claimed messages wait before another worker takes them.
CLAIM_SECONDS = 1.0


def publish_parcels(count: int) -> set[uuid.UUID]:
    parcels = {uuid.uuid4() for _ in range(count)}
    with transaction.atomic(using="inventory"):
        for parcel_id in parcels:
            publish(ParcelPacked(parcel_id=parcel_id, weight_grams=500))
    return parcels


def undelivered() -> int:
    return OutboxMessage.objects.using("inventory").filter(delivered_at__isnull=True).count()


def assert_applied_exactly_once(parcels: set[uuid.UUID]) -> None:
    assert undelivered() == 0
    for subscription in subscriptions_for(ParcelPacked.name):
        applied = Counter(parcel_id for parcel_id, _ in effects(subscription.app))
        assert set(applied) == parcels, subscription.app
        assert set(applied.values()) == {1}, f"{subscription.app} applied an event twice"
        inbox = InboxMessage.objects.using(subscription.app).filter(subscriber=subscription.key)
        assert inbox.count() == len(parcels)


def test_two_workers_over_a_thousand_events_apply_each_once_per_subscriber(
    recorders, worker_delivers_only
):
    parcels = publish_parcels(1000)
    start = threading.Barrier(2)
    delivered: dict[str, int] = {}

    def work(name: str) -> None:
        try:
            worker = Worker(batch_size=20, jobs=[])
            start.wait()
            total = 0
            while (report := worker.run_pass()).deliveries.total:
                total += report.deliveries.delivered
            delivered[name] = total
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert sum(delivered.values()) == 1000
    assert min(delivered.values()) > 0, f"one worker did everything: {delivered}"
    assert_applied_exactly_once(parcels)


def worker_process(*args: str, delay: float = 0) -> subprocess.Popen:
    """``manage.py run_worker`` in a process of its own, on the test databases."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.platform.events.worker_settings"}
    env[DELAY_VARIABLE] = str(delay)
    env["SHOP_EVENTS_CLAIM_SECONDS"] = str(CLAIM_SECONDS)
    for alias in connections:
        db = connections[alias].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(condition, *, worker: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited early:\n{worker.stdout.read()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_no_effect(
    recorders, worker_delivers_only
):
    parcels = publish_parcels(40)
    worker = worker_process("--batch-size", "10", "--poll-interval", "0.1", delay=0.1)
    try:
        # Mid-batch: a few events done, one applied by some subscribers and not recorded.
        wait_for(lambda: 3 <= len(effects("inventory")) > 40 - undelivered(), worker=worker)
    finally:
        worker.kill()
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    applied_before_restart = {p for alias in app_database_aliases() for p, _ in effects(alias)}
    marked_delivered = 40 - undelivered()
    # The batch in progress had applied events whose delivery was never recorded, and
    # claimed others: they come again once the claim expires and the inboxes must
    # absorb what was applied.
    assert len(applied_before_restart) > marked_delivered
    time.sleep(CLAIM_SECONDS)

    restarted = worker_process("--once", "--batch-size", "100")
    output, _ = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, output
    assert "delivered" in output

    assert_applied_exactly_once(parcels)
    workers = {pid for alias in app_database_aliases() for _, pid in effects(alias)}
    assert workers == {worker.pid, restarted.pid}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_sigterm_stops_a_worker_after_its_current_batch(recorders, worker_delivers_only):
    publish_parcels(30)
    port = free_port()
    worker = worker_process(
        "--batch-size", "5", "--poll-interval", "0.1", "--metrics-port", str(port), delay=0.05
    )
    try:
        wait_for(lambda: 30 - undelivered() >= 5, worker=worker)
        counted = 'shop_events_delivered_total{name="testing.parcel_packed",producer="inventory"}'
        assert counted in scrape(port)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
    finally:
        worker.kill()

    assert worker.returncode == 0, output
    assert "stopped after" in output
    applied = len(effects("payments"))
    # The batch under way was finished and recorded: nothing applied is left undelivered.
    assert 30 - undelivered() == applied
    assert applied % 5 == 0
    assert applied < 30
