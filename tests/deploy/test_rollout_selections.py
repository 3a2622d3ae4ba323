"""The label selections docs/deploy.md applies and deletes pick exactly what it says."""

from tests.deploy.manifests import APPS, render

NAME, COMPONENT, INSTANCE = (
    f"app.kubernetes.io/{key}" for key in ("name", "component", "instance")
)


def labels(item):
    return item["metadata"].get("labels", {})


def kinds_and_names(items):
    return {(item["kind"], item["metadata"]["name"]) for item in items}


def test_the_first_phase_of_a_rollout_applies_the_job_and_its_needs_but_no_process():
    first = [
        item for item in render("monolith") if labels(item).get(COMPONENT) not in ("web", "worker")
    ]
    kinds = {item["kind"] for item in first}

    assert {"Namespace", "ConfigMap", "ServiceAccount", "Job"} <= kinds
    assert "Deployment" not in kinds


def test_an_apps_instance_label_selects_its_whole_service_and_nothing_else():
    for app in APPS:
        selected = [item for item in render("split") if labels(item).get(INSTANCE) == f"shop-{app}"]

        assert kinds_and_names(selected) == {
            ("ServiceAccount", f"shop-{app}"),
            ("Service", f"shop-web-{app}"),
            ("Service", f"shop-worker-metrics-{app}"),
            ("Deployment", f"shop-web-{app}"),
            ("Deployment", f"shop-worker-{app}"),
            ("Job", f"shop-migrate-{app}"),
            ("HorizontalPodAutoscaler", f"shop-web-{app}"),
            ("HorizontalPodAutoscaler", f"shop-worker-{app}"),
            ("PodDisruptionBudget", f"shop-web-{app}"),
            ("PodDisruptionBudget", f"shop-worker-{app}"),
        }


def test_the_split_settings_are_selected_alone():
    selected = [item for item in render("split") if labels(item).get(COMPONENT) == "settings"]

    assert [item["kind"] for item in selected] == ["ConfigMap"]


def test_removing_the_monolith_removes_its_processes_only():
    removed_kinds = {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "ServiceAccount",
    }
    monolith = [
        item
        for item in render("monolith")
        if item["kind"] in removed_kinds
        and labels(item).get(NAME) == "shop"
        and INSTANCE not in labels(item)
    ]
    split = [
        item
        for item in render("split")
        if item["kind"] in removed_kinds
        and labels(item).get(NAME) == "shop"
        and INSTANCE not in labels(item)
    ]

    assert kinds_and_names(monolith) == kinds_and_names(
        item for item in render("monolith") if item["kind"] in removed_kinds
    )
    assert split == []
