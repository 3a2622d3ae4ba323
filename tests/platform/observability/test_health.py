"""``/healthz`` answers while the process lives; ``/readyz`` names what does not answer."""

import pytest
from django.db import connections
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.urls("tests.platform.observability.urls")

CLOSED_PORT = 1
ALIASES = ["default", "inventory", "orders", "payments"]


@pytest.fixture
def cache_unreachable(settings):
    """The project's Redis cache configuration, pointed at a port nobody listens on."""
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/0",
        }
    }


def dependency_up(client):
    text = client.get("/metrics").content.decode()
    (family,) = [f for f in text_string_to_metric_families(text) if f.name == "shop_dependency_up"]
    return {sample.labels["dependency"]: sample.value for sample in family.samples}


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db(databases="__all__")
def test_ready_when_every_database_and_the_cache_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {**{f"database:{alias}": True for alias in ALIASES}, "cache": True},
    }
    assert set(dependency_up(client).values()) == {1.0}


@pytest.mark.django_db(databases="__all__")
def test_ready_but_degraded_naming_the_cache_when_redis_is_unreachable_while_reads_go_on(
    client, cache_unreachable
):
    # Every instance shares the one Redis: a 503 here would take them all out of the
    # load balancer while each of them still sells.
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["cache"]
    assert body["checks"] == {**{f"database:{alias}": True for alias in ALIASES}, "cache": False}
    read = client.get("/observability-test/catalog/")
    assert read.status_code == 200
    assert read.json() == {"results": ["TEE-BLACK-M"]}
    assert dependency_up(client)["cache"] == 0.0


@pytest.mark.django_db(databases="__all__")
def test_not_ready_naming_a_database_and_the_cache_when_both_are_down(
    client, cache_unreachable, monkeypatch
):
    monkeypatch.setitem(connections["orders"].settings_dict, "PORT", str(CLOSED_PORT))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "https://shop.example/problems/not-ready"
    assert problem["down"] == ["cache", "database:orders"]
    assert "database:orders" in problem["detail"]


@pytest.mark.django_db(databases="__all__")
def test_not_ready_naming_a_database_that_does_not_answer(client, monkeypatch):
    monkeypatch.setitem(connections["payments"].settings_dict, "PORT", str(CLOSED_PORT))

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["down"] == ["database:payments"]
    up = dependency_up(client)
    assert up["database:payments"] == 0.0
    assert up["database:orders"] == 1.0


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_probes_and_scrapes_leave_no_traces(client, spans):
    # Connections opened before the suite set tracing up are not instrumented.
    connections.close_all()

    client.get("/readyz")
    client.get("/metrics")
    client.get("/observability-test/catalog/")

    finished = spans.get_finished_spans()
    (catalog,) = [span for span in finished if span.name == "GET observability-test/catalog/"]
    assert {span.context.trace_id for span in finished} == {catalog.context.trace_id}
