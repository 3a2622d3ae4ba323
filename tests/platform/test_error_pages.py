"""Errors that never reach a DRF view still answer problem+json with the request id."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.urls("tests.platform.observability.urls")

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, request_id: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    assert response["X-Request-ID"] == request_id
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://shop.example/problems/")
    assert {"title", "detail"} <= set(body)
    return body


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/orders/not-a-uuid/", "/no/such/page/"])
def test_unknown_paths_answer_a_not_found_problem(client, path):
    response = client.get(path, headers={"X-Request-ID": "lost-1"})

    assert_problem(response, 404, "lost-1")["type"].endswith("/not-found")


@pytest.mark.django_db
def test_a_crash_answers_a_problem_without_the_traceback():
    client = Client(raise_request_exception=False)

    response = client.get("/observability-test/crash/", headers={"X-Request-ID": "boom-2"})

    body = assert_problem(response, 500, "boom-2")
    assert "the view broke" not in response.content.decode()
    assert body["type"].endswith("/server-error")


def test_a_host_header_not_allowed_answers_a_problem_with_the_request_id(client, spans):
    # spans: tracing is set up, its middleware installed, as in a server.
    response = client.get(
        "/api/v1/products/", HTTP_HOST="evil.example", headers={"X-Request-ID": "host-1"}
    )

    assert_problem(response, 400, "host-1")
    assert settings.MIDDLEWARE[0] == "shop.platform.telemetry.middleware.RequestIdMiddleware"


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_operations_endpoints_refuse_writes_with_a_problem(path, method):
    client = Client(enforce_csrf_checks=True)

    response = getattr(client, method)(path, headers={"X-Request-ID": "probe-1"})

    assert_problem(response, 405, "probe-1")
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db
def test_the_admin_keeps_its_html_pages(client):
    login = client.get("/admin/login/")
    staff = get_user_model().objects.create_user("boss", password="pw", is_staff=True)
    client.force_login(staff)
    missing = client.get("/admin/inventory/no-such-model/")

    assert login.status_code == 200
    assert login["Content-Type"].startswith("text/html")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/orders/not-a-uuid/"])
def test_the_api_answers_problems_even_with_debug_on(client, settings, path):
    settings.DEBUG = True

    response = client.get(path, headers={"X-Request-ID": "dev-1"})

    assert_problem(response, 404, "dev-1")
