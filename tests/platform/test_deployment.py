"""Production refuses to start on development secrets, and `check --deploy` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from shop.platform.deployment import proxy_ssl_header

ROOT = Path(__file__).resolve().parents[2]

# The production variables README.md § Running it for real names.
PRODUCTION = {
    "SHOP_ENV": "production",
    "SECRET_KEY": "k3Jq9vT2xLm8pR4sW7yB1nC6dF0gH5jZ-aE3uQ8iO2wX4tY7uV1bN6mK9",
    "PAYMENTS_WEBHOOK_SECRET": "whsec_5f1c0a8e9d2b4c7a1e6f",
    "PAYMENTS_PROVIDER": "shop.payments.providers.simulated.SimulatedProvider",
    "ALLOWED_HOSTS": "shop.example",
    "DATABASE_URL": "postgres://shop@db.internal:5432/shop",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DATABASE_POOL_MAX_SIZE": "4",
}


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    """``manage.py`` in a process of its own with only ``environ`` set (and PATH)."""
    env = {"PATH": os.environ["PATH"], "SHOP_VAR_DIR": os.environ.get("SHOP_VAR_DIR", "var")}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_with_the_readmes_production_variables_reports_no_issue():
    checked = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues (0 silenced)." in checked.stdout


def test_each_secure_default_can_be_turned_off_from_the_environment():
    checked = manage(
        "check",
        "--deploy",
        **PRODUCTION,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        SESSION_COOKIE_SECURE="no",
        CSRF_COOKIE_SECURE="0",
    )

    reported = {code for code in ("W004", "W008", "W012", "W016") if code in checked.stderr}
    assert reported == {"W004", "W008", "W012", "W016"}, checked.stderr


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"PAYMENTS_WEBHOOK_SECRET": "whsec_development_only"}, "PAYMENTS_WEBHOOK_SECRET"),
        ({"PAYMENTS_WEBHOOK_SECRET": ""}, "PAYMENTS_WEBHOOK_SECRET"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"PAYMENTS_PROVIDER": ""}, "PAYMENTS_PROVIDER"),
    ],
)
def test_production_refuses_to_start_on_a_development_secret_or_an_unchosen_provider(
    changes, named
):
    started = manage("check", **{**PRODUCTION, **changes})

    assert started.returncode != 0
    assert "Refusing to start in production" in started.stderr
    assert named in started.stderr.splitlines()[-1]


def test_development_starts_with_its_defaults():
    assert manage("check", SHOP_ENV="development").returncode == 0


def test_the_proxys_tls_header_is_read_from_its_written_form():
    assert proxy_ssl_header("X-Forwarded-Proto: https") == ("HTTP_X_FORWARDED_PROTO", "https")
    assert proxy_ssl_header("") is None
    with pytest.raises(ImproperlyConfigured, match="SECURE_PROXY_SSL_HEADER"):
        proxy_ssl_header("X-Forwarded-Proto")


@pytest.fixture
def https_behind_a_proxy(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = proxy_ssl_header("X-Forwarded-Proto: https")


@pytest.mark.django_db(databases="__all__")
def test_behind_the_proxy_https_is_served_plain_http_redirected_and_probes_exempt(
    client, https_behind_a_proxy
):
    plain = client.get("/api/v1/products/")
    proxied = client.get("/api/v1/products/", HTTP_X_FORWARDED_PROTO="https")

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert proxied.status_code == 200
    assert client.get("/healthz").status_code == 200
