"""The cluster's PrometheusRule is deploy/prometheus/alerts.yml, regenerated, never edited."""

import importlib.machinery
import importlib.util
import subprocess
import sys

import pytest
import yaml

from tests.deploy.manifests import ROOT

GENERATOR = ROOT / "scripts" / "prometheus-rule"
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULE = ROOT / "deploy" / "kubernetes" / "base" / "shared" / "prometheusrule.yaml"


def generator():
    loader = importlib.machinery.SourceFileLoader("prometheus_rule", str(GENERATOR))
    spec = importlib.util.spec_from_loader("prometheus_rule", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_the_committed_rule_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr


def test_the_rule_carries_exactly_the_groups_of_alerts_yml():
    rule = yaml.safe_load(RULE.read_text())

    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"] == yaml.safe_load(RULES.read_text())


def test_a_changed_alerts_file_makes_the_check_fail_until_regenerated(
    tmp_path, monkeypatch, capsys
):
    module = generator()
    source, target = tmp_path / "alerts.yml", tmp_path / "prometheusrule.yaml"
    source.write_text(RULES.read_text())
    target.write_text(RULE.read_text())
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "SOURCE", source)
    monkeypatch.setattr(module, "TARGET", target)
    assert module.main(["--check"]) == 0

    source.write_text(
        RULES.read_text() + "  - name: added-after-the-rule-was-generated\n    rules: []\n"
    )

    assert module.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert module.main([]) == 0
    assert module.main(["--check"]) == 0
    assert yaml.safe_load(target.read_text())["spec"] == yaml.safe_load(source.read_text())


def test_a_rules_file_with_more_than_groups_is_refused():
    with pytest.raises(ValueError, match="groups"):
        generator().render("groups: []\nrule_files: []\n")
