"""A process serves only the apps of SHOP_APPS: the others are not even imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parents[3]
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
