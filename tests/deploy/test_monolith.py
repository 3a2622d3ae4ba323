"""The monolith overlay: one web and one worker serve every app, with no mesh."""

from tests.deploy.manifests import (
    APPS,
    containers,
    environment,
    of_kind,
    render,
    secret_names,
    workloads,
)

MONOLITH = "monolith"


def test_one_web_and_one_worker_serve_every_app():
    assert sorted(item["metadata"]["name"] for item in of_kind(MONOLITH, "Deployment")) == [
        "shop-web",
        "shop-worker",
    ]
    for workload in workloads(MONOLITH):
        for item in containers(workload):
            env = environment(MONOLITH, item)
            assert env.get("SHOP_APPS", "inventory,orders,payments") == "inventory,orders,payments"
            assert not [name for name in env if name.endswith("_SERVICE_URL")]
            assert "EVENTS_BROKER" not in env
            assert {f"{app.upper()}_DATABASE_URL" for app in APPS} <= set(env)
            assert secret_names(item) >= {f"shop-database-{app}" for app in APPS}


def test_no_mesh_objects_and_no_sidecars():
    (namespace,) = of_kind(MONOLITH, "Namespace")

    assert not [item for item in render(MONOLITH) if "istio.io" in item["apiVersion"]]
    assert "istio-injection" not in namespace["metadata"].get("labels", {})
