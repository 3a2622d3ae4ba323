"""scripts/vendor-istio-schemas reads Istio's TypeScript declarations into strict schemas."""

import importlib.machinery
import importlib.util

import jsonschema

from tests.deploy.manifests import ROOT

DECLARATION = """
import { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
export interface IWidget {
    /** What the widget does. */
    "spec"?: {
        "mode"?: "UNSET" | "STRICT";
        "hosts": Array<string>;
        "weight"?: number | string;
        "labels"?: {
            [key: string]: string;
        };
    } & (Exclude<{ "hosts": Array<string> }, { "mode": "UNSET" }> | { "mode": "STRICT" });
    "apiVersion": "example.istio.io/v1";
    "kind": "Widget";
    "metadata"?: IObjectMeta;
}
"""


def converter():
    loader = importlib.machinery.SourceFileLoader(
        "vendor_istio_schemas", str(ROOT / "scripts" / "vendor-istio-schemas")
    )
    spec = importlib.util.spec_from_loader("vendor_istio_schemas", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def widget_schema(tmp_path):
    folder = tmp_path / "example.istio.io" / "v1"
    folder.mkdir(parents=True)
    (folder / "Widget.d.ts").write_text(DECLARATION)
    return converter().schema_of(tmp_path, "example.istio.io/v1", "Widget")


def test_a_declared_object_validates(tmp_path):
    widget = {
        "apiVersion": "example.istio.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "b"}},
        "spec": {"mode": "STRICT", "hosts": ["h"], "weight": 3, "labels": {"x": "y"}},
    }

    jsonschema.validate(widget, widget_schema(tmp_path))


def test_unknown_fields_wrong_types_and_values_outside_the_enum_are_refused(tmp_path):
    schema = widget_schema(tmp_path)
    base = {"apiVersion": "example.istio.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    wrong = [
        {"hosts": ["h"], "hostz": []},
        {"hosts": "h"},
        {"hosts": ["h"], "mode": "LOOSE"},
        {"hosts": ["h"], "labels": {"x": 1}},
        {"mode": "STRICT"},
    ]

    for spec in wrong:
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors({**base, "spec": spec}))
        assert errors, spec
    assert list(
        jsonschema.Draft202012Validator(schema).iter_errors(
            {**base, "kind": "Gadget", "spec": {"hosts": []}}
        )
    )
