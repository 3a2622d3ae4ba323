"""The split overlay: each app its own service, bound to the others by configuration,
with Istio's policy between them agreeing with the bindings (ARCHITECTURE §6)."""

import re

import pytest

from tests.deploy.manifests import (
    APPS,
    container,
    containers,
    environment,
    named,
    of_kind,
    pod_spec,
    pods_selected,
    seconds,
    secret_names,
    selects,
    settings,
)

SPLIT = "split"
SERVICE_URL = re.compile(r"^grpc://(?P<host>[a-z0-9-]+):(?P<port>\d+)$")


def app_workloads(app):
    return [
        named(SPLIT, "Deployment", f"shop-web-{app}"),
        named(SPLIT, "Deployment", f"shop-worker-{app}"),
        named(SPLIT, "Job", f"shop-migrate-{app}"),
    ]


def grpc_port(service):
    (port,) = [port for port in service["spec"]["ports"] if port["name"] == "grpc"]
    return port


def test_three_apps_each_with_its_web_worker_and_migrations():
    deployments = {item["metadata"]["name"] for item in of_kind(SPLIT, "Deployment")}

    assert deployments == {f"shop-{role}-{app}" for role in ("web", "worker") for app in APPS}
    assert {item["metadata"]["name"] for item in of_kind(SPLIT, "Job")} == {
        f"shop-migrate-{app}" for app in APPS
    }


@pytest.mark.parametrize("app", APPS)
def test_every_process_of_an_app_serves_that_app_alone(app):
    for workload in app_workloads(app):
        for item in containers(workload):
            assert environment(SPLIT, item)["SHOP_APPS"] == app


@pytest.mark.parametrize("app", APPS)
def test_an_app_sees_its_own_database_and_the_shared_identity_only(app):
    for workload in app_workloads(app):
        for item in containers(workload):
            databases = {name for name in secret_names(item) if name.startswith("shop-database-")}
            env = environment(SPLIT, item)

            assert databases == {"shop-database-identity", f"shop-database-{app}"}
            assert f"{app.upper()}_DATABASE_URL" in env
            for other in set(APPS) - {app}:
                assert f"{other.upper()}_DATABASE_URL" not in env


@pytest.mark.parametrize("app", APPS)
def test_the_other_apps_contracts_are_bound_to_their_grpc_services(app):
    for workload in app_workloads(app):
        for item in containers(workload):
            env = environment(SPLIT, item)
            assert f"{app.upper()}_SERVICE_URL" not in env  # served here: the facade
            for other in set(APPS) - {app}:
                url = SERVICE_URL.match(env[f"{other.upper()}_SERVICE_URL"])
                assert url, env[f"{other.upper()}_SERVICE_URL"]
                service = named(SPLIT, "Service", url["host"])
                port = grpc_port(service)
                assert port["port"] == int(url["port"])
                assert port["appProtocol"] == "grpc"
                (target,) = pods_selected(SPLIT, service["spec"]["selector"])
                assert target["metadata"]["name"] == f"shop-web-{other}"


@pytest.mark.parametrize("app", APPS)
def test_the_web_pod_serves_the_contract_over_grpc_with_grpc_probes(app):
    web = named(SPLIT, "Deployment", f"shop-web-{app}")
    grpc = container(web, "grpc")
    (port,) = grpc["ports"]

    assert port["name"] == "grpc"
    assert grpc["command"] == [
        "python",
        "manage.py",
        "serve_grpc",
        "--port",
        str(port["containerPort"]),
    ]
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert grpc[probe]["grpc"]["port"] == port["containerPort"]
    service = named(SPLIT, "Service", f"shop-web-{app}")
    assert grpc_port(service)["targetPort"] == "grpc"


def test_events_go_through_kafka():
    assert settings(SPLIT)["EVENTS_BROKER"].startswith("kafka://")


def test_the_ingress_sends_each_public_path_to_the_app_that_owns_it():
    (ingress,) = of_kind(SPLIT, "Ingress")
    routes = {
        path["path"]: path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }

    assert {path: service["name"] for path, service in routes.items()} == {
        "/api/v1/products": "shop-web-inventory",
        "/api/v1/orders": "shop-web-orders",
        "/api/v1/payments/webhooks": "shop-web-payments",
    }
    for service in routes.values():
        assert service["port"] == {"name": "http"}
        named(SPLIT, "Service", service["name"])


def test_the_namespace_is_in_the_mesh_with_strict_mutual_tls():
    (namespace,) = of_kind(SPLIT, "Namespace")
    (peer,) = of_kind(SPLIT, "PeerAuthentication")

    assert namespace["metadata"]["labels"]["istio-injection"] == "enabled"
    assert peer["spec"] == {"mtls": {"mode": "STRICT"}}  # no selector: the whole namespace
    assert peer["metadata"]["namespace"] == namespace["metadata"]["name"]


@pytest.mark.parametrize("app", APPS)
def test_each_service_has_connection_limits_and_outlier_detection(app):
    (rule,) = [
        rule
        for rule in of_kind(SPLIT, "DestinationRule")
        if rule["spec"]["host"] == f"shop-web-{app}.shop.svc.cluster.local"
    ]
    policy = rule["spec"]["trafficPolicy"]

    assert policy["tls"]["mode"] == "ISTIO_MUTUAL"
    assert policy["connectionPool"]["tcp"]["maxConnections"] > 0
    assert policy["connectionPool"]["http"]["http2MaxRequests"] > 0
    assert policy["outlierDetection"]["consecutive5xxErrors"] > 0
    assert policy["outlierDetection"]["maxEjectionPercent"] < 100


@pytest.mark.parametrize("app", APPS)
def test_mesh_timeouts_equal_the_bindings_deadlines(app):
    deadline = float(settings(SPLIT)[f"{app.upper()}_SERVICE_DEADLINE_SECONDS"])
    host = f"shop-web-{app}.shop.svc.cluster.local"
    (virtual_service,) = [
        item for item in of_kind(SPLIT, "VirtualService") if item["spec"]["hosts"] == [host]
    ]
    port = grpc_port(named(SPLIT, "Service", f"shop-web-{app}"))["port"]
    (grpc_route,) = [
        route
        for route in virtual_service["spec"]["http"]
        if {"port": port} in route.get("match", [])
    ]

    assert seconds(grpc_route["timeout"]) == deadline
    assert [
        destination["destination"]["port"]["number"] for destination in grpc_route["route"]
    ] == [port]


def test_the_deadlines_are_those_of_the_contracts():
    config = settings(SPLIT)

    assert [float(config[f"{app.upper()}_SERVICE_DEADLINE_SECONDS"]) for app in APPS] == [
        2,
        2,
        15,
    ]


def test_the_mesh_never_retries_the_binding_does():
    routes = [route for item in of_kind(SPLIT, "VirtualService") for route in item["spec"]["http"]]
    served = {f"shop-web-{app}.shop.svc.cluster.local" for app in APPS}

    assert {
        host for item in of_kind(SPLIT, "VirtualService") for host in item["spec"]["hosts"]
    } == served
    for route in routes:
        assert route["retries"] == {"attempts": 0}, route["name"]


def principal(workload):
    account = pod_spec(workload)["serviceAccountName"]
    return f"cluster.local/ns/{workload['metadata']['namespace']}/sa/{account}"


@pytest.mark.parametrize("app", ["inventory", "payments"])
def test_only_orders_may_call_the_inventory_and_payments_contracts(app):
    web = named(SPLIT, "Deployment", f"shop-web-{app}")
    port = str(container(web, "grpc")["ports"][0]["containerPort"])
    policies = [
        policy
        for policy in of_kind(SPLIT, "AuthorizationPolicy")
        if selects(
            policy["spec"]["selector"]["matchLabels"], web["spec"]["template"]["metadata"]["labels"]
        )
    ]
    (policy,) = policies
    orders = {
        principal(named(SPLIT, "Deployment", f"shop-{role}-orders")) for role in ("web", "worker")
    }
    granting_grpc = [
        rule
        for rule in policy["spec"]["rules"]
        if any(
            port in to["operation"].get("ports", [port])
            for to in rule.get("to", [{"operation": {}}])
        )
    ]

    assert policy["spec"]["action"] == "ALLOW"
    assert len(orders) == 1
    assert granting_grpc
    for rule in granting_grpc:
        assert [source["source"] for source in rule["from"]] == [{"principals": sorted(orders)}]
    # The only other rule opens the REST port, not the contract's.
    for rule in policy["spec"]["rules"]:
        if rule not in granting_grpc:
            assert [to["operation"]["ports"] for to in rule["to"]] == [["8000"]]
    # Only orders' pods run as that account.
    assert [
        workload["metadata"]["name"]
        for workload in of_kind(SPLIT, "Deployment")
        if principal(workload) in orders
    ] == ["shop-web-orders", "shop-worker-orders"]


def test_migration_jobs_run_without_a_sidecar_and_everything_else_with_one():
    for job in of_kind(SPLIT, "Job"):
        labels = job["spec"]["template"]["metadata"]["labels"]
        assert labels["sidecar.istio.io/inject"] == "false"  # else the pod never completes
    for deployment in of_kind(SPLIT, "Deployment"):
        template = deployment["spec"]["template"]["metadata"]
        assert "sidecar.istio.io/inject" not in template.get("labels", {})
        assert "sidecar.istio.io/inject" not in template.get("annotations", {})
