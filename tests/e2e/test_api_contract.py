"""The OpenAPI document served at /api/schema/ agrees with API.md.

API.md's tables, transcribed: each REST path and method with the status codes it
documents, the codes of § Conventions included (anonymous ``401`` outside the catalog
reads, ``403`` on staff endpoints, ``429`` where rate limits apply, ``404`` for an
order that is not the caller's). § Operations' endpoints are not REST resources and
are not in the document.
"""

import pytest
from rest_framework.test import APIClient

STAFF = {"401", "403"}
CUSTOMER = {"401"}

DOCUMENTED = {
    ("/api/v1/products/", "get"): {"200"},
    ("/api/v1/products/{sku}/", "get"): {"200", "404"},
    ("/api/v1/products/", "post"): {"201", "409", "400"} | STAFF,
    ("/api/v1/products/{sku}/restock/", "post"): {"200"} | STAFF,
    ("/api/v1/orders/", "post"): {"201", "409", "402", "400", "422", "429"} | CUSTOMER,
    ("/api/v1/orders/", "get"): {"200"} | CUSTOMER,
    ("/api/v1/orders/{order_id}/", "get"): {"200", "404"} | CUSTOMER,
    ("/api/v1/orders/{order_id}/cancel/", "post"): {"200", "404", "409"} | CUSTOMER,
    ("/api/v1/orders/{order_id}/ship/", "post"): {"200", "409"} | STAFF,
    ("/api/v1/orders/{order_id}/refund/", "post"): {"200", "409"} | STAFF,
    ("/api/v1/payments/webhooks/{provider}/", "post"): {"200", "400"},
}


@pytest.fixture(scope="module")
def schema() -> dict:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    return {
        (path, method): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def test_every_documented_endpoint_and_no_other_is_in_the_schema(schema):
    assert set(operations(schema)) == set(DOCUMENTED)


@pytest.mark.parametrize(("path", "method"), sorted(DOCUMENTED))
def test_the_schema_lists_every_status_code_api_md_documents(schema, path, method):
    codes = set(operations(schema)[path, method]["responses"])

    assert DOCUMENTED[path, method] <= codes


def test_every_error_is_described_as_a_problem(schema):
    for (path, method), operation in operations(schema).items():
        for code, response in operation["responses"].items():
            if int(code) < 400:
                continue
            content = response.get("content", {})
            assert list(content) == ["application/problem+json"], (path, method, code)
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert "errors" in problem["properties"]


def test_lists_are_described_as_pages(schema):
    for path in ("/api/v1/products/", "/api/v1/orders/"):
        ok = schema["paths"][path]["get"]["responses"]["200"]
        reference = ok["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][reference.rsplit("/", 1)[1]]

        assert {"results", "next"} <= set(page["properties"]), path
        assert page["properties"]["results"]["type"] == "array"
        parameters = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"limit", "cursor"} <= parameters, path
