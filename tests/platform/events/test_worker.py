"""run_worker: delivery, retries with backoff, parking, re-drive, counters, periodic jobs."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from shop.platform.events import publish, subscriber
from shop.platform.events.models import InboxMessage, JobLease, OutboxMessage
from shop.platform.schedule import periodic_job
from shop.platform.worker import Worker
from tests.platform.events.scenario import ParcelPacked, effects, record_effect

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def publish_parcels(count: int) -> list[uuid.UUID]:
    with transaction.atomic(using="inventory"):
        return [publish(ParcelPacked(parcel_id=uuid.uuid4(), weight_grams=n)) for n in range(count)]


def run_worker(*args: str) -> str:
    out = io.StringIO()
    call_command("run_worker", "--once", *args, stdout=out)
    return out.getvalue()


def counter(name: str) -> float:
    labels = {"producer": "inventory", "name": ParcelPacked.name}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def outbox():
    return OutboxMessage.objects.using("inventory")


def time_passes() -> None:
    """Every backoff has elapsed."""
    outbox().update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_pass_delivers_in_batches_oldest_first(recorders, worker_delivers_only):
    delivered_before = counter("shop_events_delivered_total")
    publish_parcels(5)

    assert "pass 1: delivered 3, retried 0, parked 0" in run_worker("--batch-size", "3")
    assert outbox().filter(delivered_at__isnull=True).count() == 2
    assert "delivered 2," in run_worker("--batch-size", "3")

    first_three = outbox().order_by("occurred_at")[:3]
    assert all(m.delivered_at for m in first_three)
    assert not outbox().filter(delivered_at__isnull=True).exists()
    assert len(effects("orders")) == len(effects("payments")) == len(effects("inventory")) == 5
    assert counter("shop_events_delivered_total") == delivered_before + 5


def test_a_handler_that_always_fails_is_parked_then_applied_after_a_redrive(
    recorders, worker_delivers_only, settings, admin_client
):
    settings.SHOP_EVENTS_MAX_ATTEMPTS = 3
    carrier = {"up": False}

    @subscriber(ParcelPacked, app="orders")
    def book_courier(event: ParcelPacked) -> None:
        record_effect("orders", event.parcel_id)
        if not carrier["up"]:
            raise ConnectionError("courier API down")

    retried_before = counter("shop_events_retried_total")
    parked_before = counter("shop_events_parked_total")
    [event_id] = publish_parcels(1)

    assert "retried 1, parked 0" in run_worker()
    message = outbox().get()
    assert message.attempts == 1
    assert message.next_attempt_at - timezone.now() > timedelta(seconds=1)
    assert "delivered 0, retried 0, parked 0" in run_worker()  # backing off
    waits = []
    for _ in range(2):
        time_passes()
        before = timezone.now()
        run_worker()
        waits.append(outbox().get().next_attempt_at - before)

    message = outbox().get()
    assert message.attempts == 3
    assert message.parked_at is not None
    assert message.delivered_at is None
    assert message.last_error == "ConnectionError: courier API down"
    assert waits[0] > timedelta(seconds=3)  # 2s, 4s, 8s: each wait doubles
    assert counter("shop_events_retried_total") == retried_before + 2
    assert counter("shop_events_parked_total") == parked_before + 1
    time_passes()
    assert "delivered 0, retried 0, parked 0" in run_worker()  # parked stays parked
    # The subscribers that succeeded applied it once; the failing one never.
    assert len(effects("payments")) == 1
    assert len(effects("orders")) == 1

    carrier["up"] = True
    response = admin_client.post(
        "/admin/events/outboxmessage/?database=inventory",
        {"action": "redrive_parked", "_selected_action": [str(event_id)]},
        follow=True,
    )
    assert "1 parked message(s) of the inventory outbox will be delivered again" in (
        response.content.decode()
    )
    message = outbox().get()
    assert (message.attempts, message.parked_at) == (0, None)
    assert "delivered 1, retried 0, parked 0" in run_worker()

    assert outbox().get().delivered_at is not None
    key = f"{book_courier.__module__}.{book_courier.__qualname__}"
    assert InboxMessage.objects.using("orders").filter(subscriber=key).count() == 1
    assert len(effects("orders")) == 2  # the recorder once, book_courier once
    assert len(effects("payments")) == 1


def test_a_periodic_job_runs_once_per_interval_among_workers(worker_delivers_only):
    runs = []

    @periodic_job(name="testing.count_runs", every=timedelta(hours=1), app="inventory")
    def count_runs() -> int:
        runs.append(timezone.now())
        return 7

    first, second = Worker(), Worker()
    assert first.run_pass().jobs["testing.count_runs"] == 7
    assert "testing.count_runs" not in second.run_pass().jobs
    assert "testing.count_runs" not in Worker().run_pass().jobs
    lease = JobLease.objects.using("inventory").get(name="testing.count_runs")
    assert lease.next_run_at - timezone.now() > timedelta(minutes=59)
    assert len(runs) == 1

    lease.next_run_at = timezone.now()
    lease.save(using="inventory")
    assert "jobs: testing.count_runs (7)" in run_worker()
    assert len(runs) == 2


def test_a_failing_job_is_reported_and_does_not_stop_deliveries(recorders, worker_delivers_only):
    @periodic_job(name="testing.broken", every=timedelta(minutes=1), app="orders")
    def broken() -> int:
        raise RuntimeError("boom")

    publish_parcels(1)

    output = run_worker()

    assert "delivered 1, retried 0, parked 0" in output
    assert "testing.broken (failed)" in output


def test_a_job_outside_any_app_database_is_refused(worker_delivers_only):
    periodic_job(name="testing.homeless", every=timedelta(minutes=1))(lambda: 0)

    with pytest.raises(CommandError, match=r"'testing\.homeless' belongs to no app database"):
        run_worker()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "0"], "--batch-size: invalid"),
        (["--poll-interval", "-1"], "--poll-interval: invalid"),
        (["--batch-size", "many"], "--batch-size: invalid"),
    ],
)
def test_bad_options_are_refused_in_one_line(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_worker", *args)
