"""Every object of every overlay is valid for Kubernetes 1.32 and its CRDs, strictly."""

import copy

import pytest

from tests.deploy.manifests import (
    CUSTOM_SCHEMAS,
    OVERLAYS,
    custom_schema,
    named,
    render,
    schema_errors,
)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_by_its_schema(overlay):
    objects = render(overlay)

    assert objects
    assert [error for item in objects for error in schema_errors(item)] == []


def test_an_unknown_field_is_refused_in_a_kubernetes_object():
    deployment = copy.deepcopy(named("split", "Deployment", "shop-web-orders"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}

    assert schema_errors(deployment)


@pytest.mark.parametrize(
    ("kind", "name", "mistake"),
    [
        ("VirtualService", "shop-web-inventory", lambda spec: spec["http"][0].update(retry={})),
        (
            "DestinationRule",
            "shop-web-payments",
            lambda spec: spec["trafficPolicy"]["outlierDetection"].update(consecutive5xx=5),
        ),
        ("PeerAuthentication", "default", lambda spec: spec["mtls"].update(mode="STRICTER")),
        ("AuthorizationPolicy", "shop-web-inventory", lambda spec: spec.update(action="PERMIT")),
        ("PrometheusRule", "shop", lambda spec: spec["groups"][0]["rules"][0].pop("expr")),
    ],
)
def test_a_mistake_in_a_custom_resource_is_refused(kind, name, mistake):
    manifest = copy.deepcopy(named("split", kind, name))
    assert schema_errors(manifest) == []

    mistake(manifest["spec"])

    assert schema_errors(manifest)


def test_a_kind_without_a_schema_is_an_error_not_a_pass():
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}

    assert schema_errors(unknown)


def object_schemas(schema, path="$"):
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            yield path, schema
        for key, value in schema.items():
            yield from object_schemas(value, f"{path}.{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from object_schemas(value, f"{path}[{index}]")


@pytest.mark.parametrize("path", sorted(CUSTOM_SCHEMAS.values()))
def test_every_vendored_schema_is_strict_at_every_level(path):
    schema = custom_schema(path)
    objects = list(object_schemas(schema))

    assert len(objects) > 1
    loose = [where for where, item in objects if "additionalProperties" not in item]
    assert loose == []
