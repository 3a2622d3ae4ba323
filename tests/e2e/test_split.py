"""The split, end to end: three processes of the same code, one app each.

Orders runs behind a web server (``SHOP_APPS=orders``), inventory and payments each
behind ``serve_grpc`` (``SHOP_APPS=inventory``, ``SHOP_APPS=payments``); each is told
only of its own database (and the shared identity database), and orders reaches the
other two over gRPC. The test drives the REST API over HTTP and reads inventory and
payments through their gRPC clients, as any other service would.

Events go through the test's Kafka-protocol broker (``TEST_EVENTS_BROKER``): each app
has a worker of its own (``run_worker`` with ``SHOP_APPS=<app>``) that relays its outbox
to ``<prefix>.events.<app>``, carrying the publisher's ``traceparent``.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any
from uuid import UUID, uuid4

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from contracts.common import Money
from contracts.payments import PaymentStatus
from shop.orders.models import Order
from shop.platform.accounts import ensure_customer
from shop.platform.events.kafka import bootstrap_servers
from shop.platform.roles import ensure_staff_groups
from shop.platform.rpc.client import forget_breakers
from shop.platform.rpc.clients import client_class
from tests.broker import TEST_BROKER, TEST_SESSION_SECONDS, Topics
from tests.contracts.server import (
    ROOT,
    GrpcServerProcess,
    ShopProcess,
    WebServerProcess,
    WorkerProcess,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(databases="__all__", transaction=True)]

# Spans are printed by each process (console exporter) soon after they end.
TRACING = {"OTEL_TRACES_EXPORTER": "console", "OTEL_BSP_SCHEDULE_DELAY": "200"}
SETTLING = {"ORDERS_PENDING_DEADLINE_SECONDS": "0", "PAYMENTS_RESOLVE_AFTER_SECONDS": "0"}


class Split:
    def __init__(self) -> None:
        self.started: list[ShopProcess] = []
        try:
            self._start()
        except BaseException:
            # Nothing is left running when one of the processes cannot start.
            for process in self.started:
                process.kill()
            raise

    def _start(self) -> None:
        self.topics = Topics(TEST_BROKER, f"test-split-{uuid4().hex[:12]}")
        self.events = {
            "EVENTS_BROKER": self.topics.url,
            "SHOP_EVENTS_TOPIC_PREFIX": self.topics.prefix,
            "SHOP_EVENTS_CONSUMER_SESSION_SECONDS": str(TEST_SESSION_SECONDS),
        }
        self.inventory = self.track(GrpcServerProcess(apps="inventory", **TRACING, **self.events))
        self.inventory.start()
        self.payments = self.start_payments()
        self.orders = self.track(
            WebServerProcess(
                apps="orders",
                INVENTORY_SERVICE_URL=self.inventory.url,
                PAYMENTS_SERVICE_URL=self.payments.url,
                RPC_CIRCUIT_RESET_SECONDS="1",
                **SETTLING,
                **TRACING,
                **self.events,
            )
        )
        self.orders.start()
        self.workers: list[WorkerProcess] = []

    def start_workers(self) -> None:
        """A worker per app: they poll their databases several times a second."""
        services = {
            "INVENTORY_SERVICE_URL": self.inventory.url,
            "PAYMENTS_SERVICE_URL": self.payments.url,
        }
        self.workers = [
            self.track(WorkerProcess(apps="inventory", **self.events)),
            self.track(WorkerProcess(apps="orders", **services, **self.events)),
            self.track(WorkerProcess(apps="payments", **self.events)),
        ]
        for worker in self.workers:
            worker.start()

    def stop_workers(self) -> None:
        for worker in self.workers:
            worker.stop()

    def track[P: ShopProcess](self, process: P) -> P:
        self.started.append(process)
        return process

    def start_payments(self, port: int = 0, **options: Any) -> GrpcServerProcess:
        self.payments = self.track(
            GrpcServerProcess(
                apps="payments",
                PAYMENTS_IN_FLIGHT_LEASE_SECONDS="1",
                **SETTLING,
                **TRACING,
                **self.events,
                **options,
            )
        )
        self.payments.start(port=port)
        return self.payments

    def processes(self) -> list[ShopProcess]:
        return [self.inventory, self.payments, self.orders]

    def inventory_client(self) -> Any:
        return client_class("contracts.inventory.InventoryService")(url=self.inventory.url)

    def payments_client(self) -> Any:
        return client_class("contracts.payments.PaymentsService")(url=self.payments.url)

    def manage(self, process: ShopProcess, *args: str) -> str:
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=process.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
        return completed.stdout


@pytest.fixture(scope="module")
def split(django_db_setup, django_db_blocker):
    running = Split()
    yield running
    for process in running.started:
        process.kill()


@pytest.fixture(autouse=True)
def closed_circuits():
    forget_breakers()
    yield
    forget_breakers()


def api(
    split: Split, method: str, path: str, token: str, body: Any = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        f"{split.orders.base_url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"null")


def place(split: Split, token: str, quantity: int, **headers: str) -> tuple[int, dict, Any]:
    body = {
        "lines": [{"sku": "TEE-BLACK-M", "quantity": quantity}],
        "payment_method": "pm_card_visa",
    }
    return api(
        split,
        "POST",
        "/api/v1/orders/",
        token,
        body,
        **{"Idempotency-Key": str(uuid4())},
        **headers,
    )


def available(split: Split) -> int:
    return split.inventory_client().get_products(skus=["TEE-BLACK-M"])["TEE-BLACK-M"].available


@pytest.fixture
def shop(split):
    # Each test has workers of its own: the flush after a test truncates every table,
    # and a worker polling meanwhile can deadlock with it.
    split.start_workers()
    split.inventory_client().create_product(
        sku="TEE-BLACK-M", name="T-shirt", price=Money(1990, "EUR"), stock=100
    )
    _, alice, _ = ensure_customer(username="alice")
    # Shipping and refunding take the warehouse's and finance's permissions.
    ensure_staff_groups()
    _, staff, _ = ensure_customer(username="staff", staff=True, roles=["warehouse", "finance"])
    yield alice, staff
    split.stop_workers()


def test_orders_are_placed_shipped_cancelled_and_refunded_across_three_processes(split, shop):
    alice, staff = shop
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"

    shipped_status, _, shipped = place(split, alice, 2, traceparent=traceparent)
    cancelled_status, _, cancelled = place(split, alice, 3)
    ship = api(split, "POST", f"/api/v1/orders/{shipped['id']}/ship/", staff)
    refund = api(split, "POST", f"/api/v1/orders/{shipped['id']}/refund/", staff)
    cancel = api(split, "POST", f"/api/v1/orders/{cancelled['id']}/cancel/", alice)

    assert (shipped_status, shipped["status"]) == (201, "confirmed")
    assert (cancelled_status, cancelled["status"]) == (201, "confirmed")
    assert (ship[0], ship[2]["status"]) == (200, "shipped")
    assert (refund[0], refund[2]["status"]) == (200, "refunded")
    assert (cancel[0], cancel[2]["status"]) == (200, "cancelled")
    payments = split.payments_client()
    assert payments.get(order_id=UUID(shipped["id"])).status == PaymentStatus.REFUNDED
    assert payments.get(order_id=UUID(cancelled["id"])).status == PaymentStatus.VOIDED
    assert available(split) == 98, "the shipped units left; the cancelled ones came back"
    # One trace: the web request's, continued by inventory's and payments' servers.
    deadline = time.monotonic() + 30
    marker = f'"trace_id": "0x{trace_id}"'
    while not all(marker in "".join(p.output) for p in split.processes()):
        assert time.monotonic() < deadline, "the trace did not reach all three processes"
        time.sleep(0.2)
    # The facts went out over Kafka, each app's on its own topic, in the same trace.
    orders_events = events_of(split, "orders", shipped["id"], count=3)
    assert [name for name, _ in orders_events] == [
        "orders.order_confirmed",
        "orders.order_shipped",
        "orders.order_refunded",
    ]
    assert trace_id in orders_events[0][1]
    payments_events = events_of(split, "payments", shipped["id"], count=3)
    assert [name for name, _ in payments_events] == [
        "payments.payment_authorized",
        "payments.payment_captured",
        "payments.payment_refunded",
    ]
    assert trace_id in payments_events[0][1]
    inventory_events = events_of(split, "inventory", shipped["id"], count=2)
    assert [name for name, _ in inventory_events] == [
        "inventory.stock_reserved",
        "inventory.stock_committed",
    ]


def events_of(split: Split, producer: str, order_id: str, *, count: int) -> list[tuple[str, str]]:
    """The first ``count`` events about ``order_id`` on ``producer``'s topic: (name,
    traceparent header), in the order the topic holds them (its key is the order id)."""
    deadline = time.monotonic() + 90
    while True:
        found = []
        for record in records_on(split, producer):
            envelope = json.loads(record.value())
            if envelope["payload"].get("order_id") == order_id:
                headers = dict(record.headers() or [])
                found.append((envelope["name"], headers.get("traceparent", b"").decode()))
        if len(found) >= count:
            return found[:count]
        assert time.monotonic() < deadline, f"{producer}: only {found}"
        time.sleep(0.5)


def records_on(split: Split, producer: str) -> list[Any]:
    """Every record on ``producer``'s topic so far, read without joining a group."""
    topic = split.topics.topic(producer)
    reader = Consumer(
        {
            "bootstrap.servers": bootstrap_servers(split.topics.url),
            "group.id": f"{split.topics.prefix}.reader",
            "enable.auto.commit": False,
        }
    )
    try:
        partitions = reader.list_topics(topic, timeout=10).topics[topic].partitions
        if not partitions:
            return []
        reader.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        records: list[Any] = []
        quiet_until = time.monotonic() + 2
        while time.monotonic() < quiet_until:
            batch = [r for r in reader.consume(num_messages=100, timeout=0.5) if not r.error()]
            if batch:
                records += batch
                quiet_until = time.monotonic() + 1
        return records
    finally:
        reader.close()


def test_payments_stopped_answers_503_and_the_order_settles_once_it_is_back(split, shop):
    alice, _ = shop
    port = split.payments.port
    split.payments.stop()

    status, headers, problem = place(split, alice, 1)

    assert status == 503
    assert problem["type"].endswith("/service-unavailable")
    assert int(headers["Retry-After"]) >= 1
    assert Order.objects.count() == 0, "nothing is written while payments cannot answer"

    # Back, but slow: it dies in the middle of an authorization.
    split.start_payments(port=port, simulator={"latency_seconds": 5})
    answers: list[tuple[int, dict, Any]] = []
    killed = threading.Event()

    def place_as_a_client_would() -> None:
        # Until payments is reachable again, a client is told 503 and retries later.
        while (answer := place(split, alice, 4))[0] == 503 and not killed.is_set():
            time.sleep(float(answer[1]["Retry-After"]))
        answers.append(answer)

    placing = threading.Thread(target=place_as_a_client_would)
    placing.start()
    deadline = time.monotonic() + 60
    while not Order.objects.filter(status="pending").exists():
        assert time.monotonic() < deadline, f"the order was never created: {answers}"
        time.sleep(0.1)
    time.sleep(1.5)  # the authorization is now in payments' hands
    killed.set()
    split.payments.kill()
    placing.join(timeout=120)
    [order] = Order.objects.all()
    assert answers[0][0] == 503
    assert order.status == "pending"

    split.start_payments(port=port)
    deadline = time.monotonic() + 120
    while (status := Order.objects.get(pk=order.pk).status) == "pending":
        assert time.monotonic() < deadline, "the order never settled"
        split.manage(split.payments, "resolve_unanswered_payments")
        split.manage(split.orders, "reconcile_orders")
        time.sleep(1)

    payment = split.payments_client().get(order_id=order.pk)
    if status == "confirmed":
        assert payment.status == PaymentStatus.AUTHORIZED
        assert available(split) == 96
    else:
        assert status in ("payment_failed", "rejected")
        assert payment is None or payment.status not in (
            PaymentStatus.AUTHORIZED,
            PaymentStatus.CAPTURED,
        )
        assert available(split) == 100, "stock is exact: the unsettled order took none"
