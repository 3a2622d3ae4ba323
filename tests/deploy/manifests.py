"""The rendered overlays of deploy/kubernetes, and ways to look into them."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
SCHEMAS = KUBERNETES / "schemas"
OVERLAYS = ("monolith", "split")
APPS = ("inventory", "orders", "payments")
KUBERNETES_VERSION = "1.32.0"

# Custom resources: their schemas are vendored (deploy/kubernetes/schemas/README.md).
CUSTOM_SCHEMAS = {
    ("networking.istio.io/v1", "DestinationRule"): "istio/destinationrule-networking-v1.json",
    ("networking.istio.io/v1", "VirtualService"): "istio/virtualservice-networking-v1.json",
    ("security.istio.io/v1", "AuthorizationPolicy"): "istio/authorizationpolicy-security-v1.json",
    ("security.istio.io/v1", "PeerAuthentication"): "istio/peerauthentication-security-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): (
        "prometheus-operator/prometheusrule-monitoring-v1.json"
    ),
}

Manifest = dict[str, Any]


@functools.cache
def render(overlay: str) -> tuple[Manifest, ...]:
    """The objects ``kubectl kustomize`` renders for ``overlay``."""
    # Installed by scripts/tools (make test); missing, this must fail, not skip.
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is not installed: run scripts/tools"
    result = subprocess.run(
        [kubectl, "kustomize", str(KUBERNETES / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return tuple(item for item in yaml.safe_load_all(result.stdout) if item)


@functools.cache
def custom_schema(path: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / path).read_text())


def schema_errors(manifest: Manifest) -> list[str]:
    """What is wrong with ``manifest`` by its kind's schema (strict); [] when valid.

    A kind that has no schema is an error too: nothing is applied unchecked.
    """
    name = f"{manifest.get('kind')}/{manifest.get('metadata', {}).get('name')}"
    custom = CUSTOM_SCHEMAS.get((manifest.get("apiVersion"), manifest.get("kind")))
    if custom:
        validator = jsonschema.Draft202012Validator(custom_schema(custom))
        return [
            f"{name}: {'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(manifest)
        ]
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{name}: {'.'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [f"{name}: {error.message}"]
    return []


def of_kind(overlay: str, kind: str) -> list[Manifest]:
    return [item for item in render(overlay) if item["kind"] == kind]


def named(overlay: str, kind: str, name: str) -> Manifest:
    matches = [item for item in of_kind(overlay, kind) if item["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} rendered in {overlay}"
    return matches[0]


def workloads(overlay: str) -> list[Manifest]:
    """Every object that runs pods: Deployments and Jobs."""
    return [item for item in render(overlay) if item["kind"] in ("Deployment", "Job")]


def pod_spec(workload: Manifest) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def containers(workload: Manifest) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def container(workload: Manifest, name: str) -> dict[str, Any]:
    (found,) = [item for item in containers(workload) if item["name"] == name]
    return found


def settings(overlay: str) -> dict[str, str]:
    """The data of the settings ConfigMap every process reads."""
    (config_map,) = of_kind(overlay, "ConfigMap")
    assert config_map["metadata"]["name"].startswith("shop-settings")
    return config_map["data"]


def environment(overlay: str, item: dict[str, Any]) -> dict[str, Any]:
    """A container's environment: ConfigMap values and its env (strings, or valueFrom)."""
    env: dict[str, Any] = {}
    for source in item.get("envFrom", []):
        assert "configMapRef" in source, f"{item['name']}: only ConfigMaps come in whole"
        (config_map,) = [
            cm
            for cm in of_kind(overlay, "ConfigMap")
            if cm["metadata"]["name"] == source["configMapRef"]["name"]
        ]
        env.update(config_map["data"])
    for variable in item.get("env", []):
        if "value" in variable:
            env[variable["name"]] = expand(variable["value"], env)
        else:
            env[variable["name"]] = variable["valueFrom"]
    return env


def expand(value: str, env: dict[str, Any]) -> str:
    """``$(NAME)`` replaced by the value set before it, as the kubelet does; a reference to
    a value known only at run time (a Secret, the pod's IP) is left as it is."""
    return re.sub(
        r"\$\((\w+)\)",
        lambda match: env[match[1]] if isinstance(env.get(match[1]), str) else match[0],
        value,
    )


def secret_names(item: dict[str, Any]) -> set[str]:
    """The Secrets a container reads."""
    names = {
        variable["valueFrom"]["secretKeyRef"]["name"]
        for variable in item.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }
    names |= {
        source["secretRef"]["name"] for source in item.get("envFrom", []) if "secretRef" in source
    }
    return names


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def pods_selected(overlay: str, selector: dict[str, str]) -> list[Manifest]:
    """The workloads whose pods carry every label of ``selector``."""
    return [
        workload
        for workload in workloads(overlay)
        if selects(selector, workload["spec"]["template"]["metadata"].get("labels", {}))
    ]


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, scalar) in a nested manifest."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
    else:
        yield path, value


def seconds(duration: str) -> float:
    """An Istio duration such as ``2s`` or ``1500ms`` in seconds."""
    if duration.endswith("ms"):
        return float(duration[:-2]) / 1000
    assert duration.endswith("s"), duration
    return float(duration[:-1])
