"""The alerting rules load, their unit tests pass, and they watch metrics that exist."""

import json
import re
import shutil
import subprocess
from importlib import import_module
from pathlib import Path

import pytest
from prometheus_client.metrics import MetricWrapperBase

from shop.platform.domains import installed_domain_apps
from shop.platform.events import metrics as event_metrics
from shop.platform.telemetry import metrics
from shop.platform.telemetry.metrics import ScrapeGaugeCollector
from shop.platform.telemetry.state import PlatformStateCollector

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts_test.yml"
DASHBOARD = DEPLOY / "grafana" / "shop.json"

# Each app's counters are in its counters.py; this one it exports through
# shop.platform.telemetry.metrics.gauge_at_scrape.
EXPORTED_BY_APPS = {"shop_orders_pending_oldest_seconds"}


def promtool(*args):
    # Installed by the test set-up (scripts/tools); missing, this must fail, not skip.
    executable = shutil.which("promtool")
    assert executable, "promtool is not installed: run scripts/tools"
    return subprocess.run(
        [executable, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_the_alerting_rules_are_valid():
    result = promtool("check", "rules", str(RULES))

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_when_and_only_when_its_tests_say():
    result = promtool("test", "rules", str(RULE_TESTS))

    assert result.returncode == 0, result.stdout + result.stderr
    alerts = set(re.findall(r"^\s+- alert: (\w+)", RULES.read_text(), re.MULTILINE))
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    assert alerts and alerts == tested


def queried_metrics(text):
    names = set(re.findall(r"\b(shop_[a-z_]+)", text))
    return {re.sub(r"_(bucket|count|sum|total)$", "", name) for name in names}


@pytest.mark.django_db(databases="__all__")
def test_rules_and_dashboard_only_query_metrics_the_shop_exports():
    modules = [metrics, *(import_module(f"{app.name}.counters") for app in installed_domain_apps())]
    modules.append(event_metrics)
    defined = [
        m for module in modules for m in vars(module).values() if isinstance(m, MetricWrapperBase)
    ]
    exported = {family.name for metric in defined for family in metric.describe()}
    exported |= {family.name for family in PlatformStateCollector().collect()}
    exported |= EXPORTED_BY_APPS
    exported |= {family.name for family in ScrapeGaugeCollector().collect()}
    expressions = [
        t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p.get("targets", [])
    ]

    assert expressions
    assert queried_metrics(RULES.read_text()) <= exported
    assert queried_metrics("\n".join(expressions)) <= exported
