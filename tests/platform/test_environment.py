"""Every number the settings read from the environment is checked at start-up: a value
they cannot use stops the process in one line naming the variable and what it takes."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]

WHOLE_0 = "a whole number, 0 or more"
WHOLE_1 = "a whole number, 1 or more"
SECONDS = "a number of seconds, above 0"
SECONDS_OR_0 = "a number of seconds, 0 or more"

# Each numeric variable: a value it refuses, and what it takes.
REFUSED = {
    "SECURE_HSTS_SECONDS": ("-1", WHOLE_0),
    "DATABASE_POOL_MAX_SIZE": ("four", WHOLE_0),
    "SHOP_EVENTS_MAX_ATTEMPTS": ("0", WHOLE_1),
    "SHOP_EVENTS_STREAM_MAXLEN": ("1e5", WHOLE_1),
    "SHOP_EVENTS_CLAIM_SECONDS": ("0", SECONDS),
    "SHOP_EVENTS_PUBLISH_TIMEOUT_SECONDS": ("ten", SECONDS),
    "SHOP_EVENTS_CONSUMER_ATTEMPTS": ("-3", WHOLE_1),
    "SHOP_EVENTS_CONSUMER_SESSION_SECONDS": ("inf", SECONDS),
    "ORDERS_PENDING_DEADLINE_SECONDS": ("-1", SECONDS_OR_0),
    "ORDERS_DRIVER_LEASE_SECONDS": ("0", SECONDS),
    "ORDERS_IDEMPOTENCY_LEASE_SECONDS": ("30s", SECONDS),
    "ORDERS_IDEMPOTENCY_TTL_HOURS": ("0", "a number of hours, above 0"),
    "ORDERS_RETRY_AFTER_SECONDS": ("2.5", WHOLE_1),
    "PAYMENTS_IN_FLIGHT_LEASE_SECONDS": ("0", SECONDS),
    "PAYMENTS_WAIT_FOR_IN_FLIGHT_SECONDS": ("-0.5", SECONDS_OR_0),
    "PAYMENTS_RESOLVE_AFTER_SECONDS": ("nan", SECONDS_OR_0),
    "INVENTORY_SERVICE_DEADLINE_SECONDS": ("0", SECONDS),
    "PAYMENTS_SERVICE_DEADLINE_SECONDS": ("-15", SECONDS),
    "ORDERS_SERVICE_DEADLINE_SECONDS": ("2s", SECONDS),
    "RPC_RETRY_ATTEMPTS": ("0", WHOLE_1),
    "RPC_CIRCUIT_FAILURES": ("five", WHOLE_1),
    "RPC_CIRCUIT_RESET_SECONDS": ("0", SECONDS),
}


def load_settings() -> dict[str, object]:
    """The settings module run again, as a process starting with this environment would."""
    return runpy.run_path(str(ROOT / "shop" / "settings.py"))


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_value_a_numeric_setting_cannot_use_is_refused_naming_it(monkeypatch, name):
    value, takes = REFUSED[name]
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings()

    assert str(refused.value) == f"{name} must be {takes}; not {value!r}."


RATE = "a number of requests, 1 or more, per second, minute, hour or day (60/min)"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORDER_PLACEMENT_RATE", "sixty"),
        ("ORDER_WRITE_RATE", "120/week"),
        ("ORDER_WRITE_RATE", "0/s"),
    ],
)
def test_a_rate_limit_that_cannot_be_read_is_refused_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings()

    assert str(refused.value) == f"{name} must be {RATE}; not {value!r}."


def test_values_in_range_are_read_and_blank_ones_take_the_default(monkeypatch):
    monkeypatch.setenv("ORDERS_PENDING_DEADLINE_SECONDS", "0")
    monkeypatch.setenv("PAYMENTS_SERVICE_DEADLINE_SECONDS", " 2.5 ")
    monkeypatch.setenv("RPC_RETRY_ATTEMPTS", "1")
    monkeypatch.setenv("SHOP_EVENTS_MAX_ATTEMPTS", "")
    monkeypatch.setenv("ORDER_PLACEMENT_RATE", "10/second")

    loaded = load_settings()

    assert loaded["ORDERS_PENDING_DEADLINE_SECONDS"] == 0
    assert loaded["PAYMENTS_SERVICE_DEADLINE_SECONDS"] == 2.5
    assert loaded["RPC_RETRY_ATTEMPTS"] == 1
    assert loaded["SHOP_EVENTS_MAX_ATTEMPTS"] == 8
    assert loaded["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"] == {
        "orders.place": "10/second",
        "orders.write": "120/min",
    }


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "name", "value", "takes"),
    [
        (("check",), "INVENTORY_SERVICE_DEADLINE_SECONDS", "0", SECONDS),
        (("check",), "SHOP_EVENTS_CONSUMER_ATTEMPTS", "many", WHOLE_1),
        (("serve_grpc", "--port", "0"), "RPC_RETRY_ATTEMPTS", "three", WHOLE_1),
        (("serve_grpc", "--port", "0"), "PAYMENTS_SERVICE_DEADLINE_SECONDS", "-1", SECONDS),
    ],
)
def test_a_process_started_with_an_unusable_number_stops_in_one_line(args, name, value, takes):
    result = manage(*args, **{name: value})

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"manage.py: {name} must be {takes}; not {value!r}."
    ]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("grpc://inventory", "'grpc://inventory' names no port"),
        ("grpc://:50051", "'grpc://:50051' is not grpc://host:port or grpcs://host:port"),
        ("grpc://inventory:http", "'grpc://inventory:http' has no valid port"),
    ],
)
def test_a_service_url_a_client_cannot_dial_stops_start_up_in_one_line(url, why):
    # Before, it bound a client anyway, and every request calling the service was a 500.
    result = manage(
        "check", SHOP_APPS="orders", INVENTORY_SERVICE_URL=url, PAYMENTS_SERVICE_URL="grpc://p:1"
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"manage.py: INVENTORY_SERVICE_URL: {why}."]
