"""What every workload of every overlay must do: probes, resources, a non-root user on a
read-only root filesystem, pinned images, named ports, secrets only by reference."""

import re
from pathlib import PurePosixPath

import pytest

from tests.deploy.manifests import (
    OVERLAYS,
    container,
    containers,
    environment,
    of_kind,
    pod_spec,
    pods_selected,
    selects,
    settings,
    workloads,
)

PINNED_IMAGE = re.compile(
    r"^[^:@\s]+(@sha256:[0-9a-f]{64}|:[\w.-]*\d[\w.-]*(@sha256:[0-9a-f]{64})?)$"
)
SECRET_LIKE = re.compile(r"SECRET|PASSWORD|TOKEN|DATABASE_URL|REDIS_URL|_KEY$")


def every_container(overlay):
    return [
        pytest.param(workload, item, id=f"{workload['metadata']['name']}/{item['name']}")
        for workload in workloads(overlay)
        for item in containers(workload)
    ]


ALL_CONTAINERS = [
    pytest.param(overlay, *param.values, id=f"{overlay}:{param.id}")
    for overlay in OVERLAYS
    for param in every_container(overlay)
]
ALL_DEPLOYMENTS = [
    pytest.param(overlay, workload, id=f"{overlay}:{workload['metadata']['name']}")
    for overlay in OVERLAYS
    for workload in of_kind(overlay, "Deployment")
]
WEB_DEPLOYMENTS = [
    param
    for param in ALL_DEPLOYMENTS
    if param.values[1]["metadata"]["labels"]["app.kubernetes.io/component"] == "web"
]


@pytest.mark.parametrize(("overlay", "workload", "item"), ALL_CONTAINERS)
def test_every_image_is_pinned_to_a_version_or_digest(overlay, workload, item):
    assert PINNED_IMAGE.match(item["image"]), item["image"]
    assert not item["image"].endswith(":latest")


@pytest.mark.parametrize(("overlay", "workload", "item"), ALL_CONTAINERS)
def test_every_container_requests_and_limits_cpu_and_memory(overlay, workload, item):
    resources = item.get("resources", {})

    for bound in ("requests", "limits"):
        assert set(resources.get(bound, {})) >= {"cpu", "memory"}, bound


@pytest.mark.parametrize(("overlay", "workload", "item"), ALL_CONTAINERS)
def test_every_container_runs_unprivileged_on_a_read_only_root(overlay, workload, item):
    pod = pod_spec(workload).get("securityContext", {})
    own = item.get("securityContext", {})

    assert pod.get("runAsNonRoot") is True
    assert pod.get("runAsUser", 0) != 0
    assert own.get("allowPrivilegeEscalation") is False
    assert own.get("readOnlyRootFilesystem") is True
    assert own.get("capabilities", {}).get("drop") == ["ALL"]
    assert "privileged" not in own


@pytest.mark.parametrize(("overlay", "workload", "item"), ALL_CONTAINERS)
def test_every_path_the_process_writes_is_an_empty_dir(overlay, workload, item):
    empty_dirs = {
        volume["name"] for volume in pod_spec(workload).get("volumes", []) if "emptyDir" in volume
    }
    writable = [
        PurePosixPath(mount["mountPath"])
        for mount in item.get("volumeMounts", [])
        if mount["name"] in empty_dirs and not mount.get("readOnly")
    ]
    env = environment(overlay, item)
    # /tmp (TMPDIR's default, and deploy/web/run's), the embedded default's files and,
    # with several granian workers, the metrics files.
    written = ["/tmp", env["SHOP_VAR_DIR"], env.get("PROMETHEUS_MULTIPROC_DIR")]

    for path in filter(None, written):
        assert any(PurePosixPath(path).is_relative_to(mount) for mount in writable), path


@pytest.mark.parametrize(("overlay", "workload", "item"), ALL_CONTAINERS)
def test_secrets_come_from_secret_references_never_values(overlay, workload, item):
    env = environment(overlay, item)
    secret_like = {name: value for name, value in env.items() if SECRET_LIKE.search(name)}

    assert secret_like, "the process needs SECRET_KEY and its database URLs"
    for name, value in secret_like.items():
        assert isinstance(value, dict) and "secretKeyRef" in value, name
    assert not {name for name in settings(overlay) if SECRET_LIKE.search(name)}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_secret_value_is_rendered(overlay):
    assert of_kind(overlay, "Secret") == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_production_settings_are_set(overlay):
    config = settings(overlay)

    assert config["SHOP_ENV"] == "production"
    assert config["PAYMENTS_PROVIDER"]
    assert "localhost" in config["ALLOWED_HOSTS"].split(",")  # the probes' Host
    assert int(config["DATABASE_POOL_MAX_SIZE"]) > 0
    for workload in workloads(overlay):
        for item in containers(workload):
            env = environment(overlay, item)
            assert {"SECRET_KEY", "PAYMENTS_WEBHOOK_SECRET", "DATABASE_URL"} <= set(env)
            if workload["kind"] == "Deployment":
                assert "REDIS_URL" in env


@pytest.mark.parametrize(("overlay", "workload"), ALL_DEPLOYMENTS)
def test_every_deployment_container_is_probed(overlay, workload):
    for item in containers(workload):
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert probe in item, f"{item['name']} has no {probe}"


@pytest.mark.parametrize(("overlay", "workload"), WEB_DEPLOYMENTS)
def test_the_web_is_live_on_healthz_and_ready_on_readyz(overlay, workload):
    web = container(workload, "web")

    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert {"name": "Host", "value": "localhost"} in web[probe]["httpGet"]["httpHeaders"]
    assert web["command"] == ["/opt/shop/deploy/web/run"]


@pytest.mark.parametrize(("overlay", "workload"), WEB_DEPLOYMENTS)
def test_termination_grace_outlasts_the_longest_request(overlay, workload):
    web = container(workload, "web")
    env = environment(overlay, web)
    config = settings(overlay)
    # The longest request is a placement: it waits on inventory, then on payments.
    longest_request = float(config["INVENTORY_SERVICE_DEADLINE_SECONDS"]) + float(
        config["PAYMENTS_SERVICE_DEADLINE_SECONDS"]
    )
    drain = float(env["GRANIAN_WORKERS_KILL_TIMEOUT"])
    pre_stop = web["lifecycle"]["preStop"]["sleep"]["seconds"]

    assert drain > longest_request
    assert pod_spec(workload)["terminationGracePeriodSeconds"] > pre_stop + drain


@pytest.mark.parametrize(("overlay", "workload"), ALL_DEPLOYMENTS)
def test_every_deployment_spreads_over_nodes_and_runs_as_its_service_account(overlay, workload):
    spec = pod_spec(workload)
    keys = {constraint["topologyKey"] for constraint in spec["topologySpreadConstraints"]}

    assert "kubernetes.io/hostname" in keys
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] in {
        account["metadata"]["name"] for account in of_kind(overlay, "ServiceAccount")
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_port_is_named_and_every_service_reaches_a_named_container_port(overlay):
    for workload in workloads(overlay):
        for item in containers(workload):
            for port in item.get("ports", []):
                assert port.get("name"), f"{workload['metadata']['name']}/{item['name']}"
    for service in of_kind(overlay, "Service"):
        selected = pods_selected(overlay, service["spec"]["selector"])
        assert selected, service["metadata"]["name"]
        declared = {
            port["name"]
            for workload in selected
            for item in containers(workload)
            for port in item.get("ports", [])
        }
        for port in service["spec"]["ports"]:
            assert port.get("name") and port.get("appProtocol"), port
            assert port["targetPort"] in declared, port


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscalers_and_disruption_budgets_cover_every_deployment(overlay):
    deployments = {item["metadata"]["name"] for item in of_kind(overlay, "Deployment")}
    scaled = {
        hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind(overlay, "HorizontalPodAutoscaler")
    }
    budgeted = {
        workload["metadata"]["name"]
        for budget in of_kind(overlay, "PodDisruptionBudget")
        for workload in pods_selected(overlay, budget["spec"]["selector"]["matchLabels"])
    }

    assert scaled == deployments
    assert budgeted == deployments
    for hpa in of_kind(overlay, "HorizontalPodAutoscaler"):
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_network_policy_covers_every_pod(overlay):
    (policy,) = [
        item for item in of_kind(overlay, "NetworkPolicy") if item["metadata"]["name"] == "shop"
    ]
    selector = policy["spec"]["podSelector"]["matchLabels"]

    for workload in workloads(overlay):
        assert selects(selector, workload["spec"]["template"]["metadata"]["labels"])
    assert "Ingress" in policy["spec"]["policyTypes"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migrations_run_as_a_job_before_the_rollout(overlay):
    jobs = of_kind(overlay, "Job")

    assert jobs
    for job in jobs:
        (migrate,) = containers(job)
        assert migrate["command"] == ["python", "manage.py", "migrate_all"]
        assert pod_spec(job)["restartPolicy"] == "Never"
        assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_alerting_rules_are_deployed(overlay):
    (rule,) = of_kind(overlay, "PrometheusRule")

    assert rule["spec"]["groups"]
