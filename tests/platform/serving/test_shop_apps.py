"""A process serves only the apps of SHOP_APPS: the others are not even imported."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[3]
PAYMENTS = {"SHOP_APPS": "payments"}
PATHS = ["/api/v1/payments/webhooks/simulated/", "/api/v1/products/", "/api/v1/orders/", "/healthz"]


def process_env(**overrides: str) -> dict[str, str]:
    """The test's environment with no app database URL and no service URL set."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.endswith(("_DATABASE_URL", "_SERVICE_URL")) and name != "SHOP_APPS"
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "shop.settings", **overrides}


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_payments_process_imports_nothing_of_the_other_apps():
    result = run("-m", "tests.platform.serving.inspect_process", *PATHS, SHOP_APPS="payments")
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout.splitlines()[-1])

    absent = [m for m in served["modules"] if m.startswith(("shop.orders", "shop.inventory"))]
    assert absent == []
    assert "shop.payments.http.views" in served["modules"]
    assert served["databases"] == ["default", "payments"]
    assert served["bindings"] == {
        "contracts.payments.PaymentsService": "shop.payments.facade.PaymentsFacade"
    }
    assert served["paths"] == {
        "/api/v1/payments/webhooks/simulated/": True,
        "/api/v1/products/": False,
        "/api/v1/orders/": False,
        "/healthz": True,
    }
    assert "resolve_unanswered_payments" in served["commands"]
    assert "reconcile_orders" not in served["commands"]
    assert "release_expired_reservations" not in served["commands"]
    assert served["jobs"] == ["payments.resolve_unanswered_payments"]
    assert served["module_map"] == ["payments"]
    assert all(label.split(".")[0] not in {"orders", "inventory"} for label in served["admin"])
    assert "payments.Payment" in served["admin"]
    assert all(key.startswith("shop.payments.") for key in served["subscribers"])


def test_every_app_is_served_by_default():
    result = run("-m", "tests.platform.serving.inspect_process", *PATHS)
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout.splitlines()[-1])

    assert served["databases"] == ["default", "inventory", "orders", "payments"]
    assert served["module_map"] == ["inventory", "orders", "payments"]
    assert served["paths"]["/api/v1/products/"] and served["paths"]["/api/v1/orders/"]


def test_an_unknown_app_stops_the_process_in_one_line():
    result = run("manage.py", "check", SHOP_APPS="payments,shipping")

    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "'shipping'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_web_process_refuses_an_unknown_app_before_serving(tmp_path):
    result = subprocess.run(
        ["deploy/web/run"],
        cwd=ROOT,
        env=process_env(SHOP_APPS="nope", PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics")),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "manage.py: SHOP_APPS names unknown app(s) 'nope'; known: inventory, orders, payments."
    ]


def test_a_used_contract_served_nowhere_is_named_by_the_system_check():
    result = run("manage.py", "check", SHOP_APPS="orders")

    assert result.returncode != 0
    assert "shop.E005" in result.stderr
    assert "contracts.inventory.InventoryService" in result.stderr
    assert "INVENTORY_SERVICE_URL" in result.stderr
    assert "contracts.payments.PaymentsService" in result.stderr


def database_url(alias: str) -> str:
    db = connections[alias].settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(databases=["default", "payments"], transaction=True)
def test_a_payments_worker_runs_its_own_jobs_on_its_own_database():
    from shop.platform.events.models import JobLease

    result = run(
        "manage.py",
        "run_worker",
        "--once",
        SHOP_APPS="payments",
        DATABASE_URL=database_url("default"),
        PAYMENTS_DATABASE_URL=database_url("payments"),
    )

    assert result.returncode == 0, result.stderr
    assert "jobs: payments.resolve_unanswered_payments (0)" in result.stdout
    leases = JobLease.objects.using("payments").values_list("name", flat=True)
    assert list(leases) == ["payments.resolve_unanswered_payments"]


def test_an_inventory_process_migrates_and_seeds_its_own_database_only(tmp_path):
    embedded = {"SHOP_APPS": "inventory", "SHOP_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}

    migrated = run("manage.py", "migrate_all", **embedded)
    seeded = run("manage.py", "seed_demo", **embedded)

    assert migrated.returncode == 0, migrated.stderr
    assert "[2/2] migrating inventory" in migrated.stdout
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == [
        "shop.sqlite3",
        "shop_inventory.sqlite3",
    ]
    assert seeded.returncode == 0, seeded.stderr
    assert "shop.inventory.demo" in seeded.stdout
    assert "Token" not in seeded.stdout  # the customers are the orders app's demo data


def test_a_payments_process_checks_its_own_section_of_the_module_map(tmp_path):
    committed = (ROOT / "docs" / "modules.md").read_text()
    stale = tmp_path / "modules.md"
    stale.write_text(committed.replace("## inventory", "## inventory\n\n- stale"))

    payments_check = run("manage.py", "module_map", "--check", "--output", str(stale), **PAYMENTS)
    monolith_check = run("manage.py", "module_map", "--check", "--output", str(stale))
    rewritten = run("manage.py", "module_map", "--output", str(stale), **PAYMENTS)

    assert payments_check.returncode == 0, payments_check.stderr  # inventory is not its own
    assert monolith_check.returncode != 0
    assert rewritten.returncode == 0, rewritten.stderr
    assert "- stale" in stale.read_text()  # another app's section is left as it was


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


@pytest.mark.slow
@pytest.mark.django_db(databases=["default", "payments"])
def test_a_payments_server_answers_for_payments_and_its_own_databases_only():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=process_env(
            SHOP_APPS="payments",
            DATABASE_URL=database_url("default"),
            PAYMENTS_DATABASE_URL=database_url("payments"),
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                ready = get(f"{base}/readyz")
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        products = get(f"{base}/api/v1/products/")
        schema = urllib.request.urlopen(f"{base}/api/schema/", timeout=30).read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert ready[0] == 200
    assert set(ready[2]["checks"]) == {"database:default", "database:payments", "cache"}
    assert products[:2] == (404, "application/problem+json")
    assert "/api/v1/payments/webhooks/" in schema
    assert "/api/v1/orders/" not in schema
    assert "/api/v1/products/" not in schema
