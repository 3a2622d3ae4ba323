"""A subscriber in a worker process of its own (orders alone installed there) applies
the events it receives from Kafka exactly once, even when that worker is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction

from shop.platform.events import publish
from shop.platform.events.broker import configured_broker
from shop.platform.events.models import InboxMessage
from shop.platform.events.relay import relay_batch
from tests.broker import kafka  # noqa: F401  (fixture)
from tests.platform.events.scenario import (
    DELAY_VARIABLE,
    ParcelPacked,
    create_effects_tables,
    effects,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def orders_worker(*, delay: float = 0) -> subprocess.Popen:
    """``run_worker`` in a process serving the orders app alone (``SHOP_APPS=orders``), on
    the test databases of the platform and of orders."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.endswith(("_DATABASE_URL", "_SERVICE_URL"))
    }
    env["SHOP_APPS"] = "orders"
    env["DJANGO_SETTINGS_MODULE"] = "tests.platform.events.orders_only_settings"
    env[DELAY_VARIABLE] = str(delay)
    for alias in ("default", "orders"):
        db = connections[alias].settings_dict
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        env["DATABASE_URL" if alias == "default" else f"{alias.upper()}_DATABASE_URL"] = url
    env["EVENTS_BROKER"] = settings.EVENTS_BROKER
    env["SHOP_EVENTS_TOPIC_PREFIX"] = settings.SHOP_EVENTS_TOPIC_PREFIX
    env["SHOP_EVENTS_CONSUMER_SESSION_SECONDS"] = str(settings.SHOP_EVENTS_CONSUMER_SESSION_SECONDS)
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--batch-size",
            "100",
            "--poll-interval",
            "0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_for(condition, *, worker: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if worker.poll() is not None:
            pytest.fail(f"the worker exited early:\n{worker.stdout.read()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def applied_in_orders() -> Counter:
    return Counter(parcel_id for parcel_id, _ in effects("orders"))


def test_a_subscriber_worker_killed_mid_batch_applies_a_thousand_events_exactly_once(
    kafka,  # noqa: F811
    worker_delivers_only,
):
    create_effects_tables()
    parcels = {uuid.uuid4() for _ in range(1000)}
    with transaction.atomic(using="inventory"):
        for parcel_id in parcels:
            publish(ParcelPacked(parcel_id=parcel_id, weight_grams=250))
    relayed = 0
    while batch := relay_batch("inventory", configured_broker(), batch_size=500):
        relayed += batch
    assert relayed == 1000

    worker = orders_worker(delay=0.005)  # slow enough to be killed halfway
    try:
        wait_for(lambda: len(effects("orders")) >= 300, worker=worker)
    finally:
        worker.kill()
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    assert 300 <= len(applied_in_orders()) < 1000

    restarted = orders_worker()
    try:
        wait_for(lambda: len(applied_in_orders()) == 1000, worker=restarted)
        restarted.send_signal(signal.SIGTERM)
        output, _ = restarted.communicate(timeout=60)
    finally:
        restarted.kill()
    assert restarted.returncode == 0, output
    # It reads the topics of the producers it does not serve, for its subscribers.
    topics = f"{kafka.prefix}.events.inventory {kafka.prefix}.events.payments"
    assert f"consuming {kafka.prefix}.orders <- {topics}" in output

    applied = applied_in_orders()
    assert set(applied) == parcels
    assert set(applied.values()) == {1}, "an event was applied twice"
    assert InboxMessage.objects.using("orders").count() == 1000
    # The process applying them served orders alone, and it is not this one.
    assert {pid for _, pid in effects("orders")} == {worker.pid, restarted.pid}
