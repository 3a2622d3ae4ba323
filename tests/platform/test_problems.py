from contracts.common import ServiceUnavailable
from shop.platform.problems import flatten_errors, problem_exception_handler


def test_errors_of_list_items_name_the_item_by_index():
    detail = {"lines": {1: {"quantity": ["Too many."]}}, "non_field_errors": ["Bad."]}

    assert flatten_errors(detail) == [
        {"field": "lines[1].quantity", "message": "Too many."},
        {"field": "", "message": "Bad."},
    ]


def test_an_unavailable_service_is_a_503_problem_with_retry_after():
    response = problem_exception_handler(
        ServiceUnavailable("payments", retry_after=7, reason="connection refused"), {}
    )

    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert response["Retry-After"] == "7"
    assert response.data["type"].endswith("/service-unavailable")
    assert response.data["service"] == "payments"
    assert "connection refused" in response.data["detail"]
