"""The catalog refuses a bad ``?limit=`` or ``?cursor=`` with a 400 problem, clamps a big one."""

import pytest

from shop.platform.pagination import CursorPage

pytestmark = pytest.mark.django_db(databases="__all__")


def problem_fields(response) -> list[str]:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("limit", ["abc", "-1", "0", " ", "1e3"])
def test_a_limit_that_is_no_positive_whole_number_is_refused(anonymous, limit):
    assert problem_fields(anonymous.get("/api/v1/products/", {"limit": limit})) == ["limit"]


def test_a_garbage_cursor_is_refused_not_a_missing_page(anonymous, make_product):
    make_product("TEE-BLACK-M")

    response = anonymous.get("/api/v1/products/", {"cursor": "garbage"})

    assert problem_fields(response) == ["cursor"]


def test_a_limit_above_the_maximum_is_clamped_to_it(anonymous, make_product):
    for i in range(CursorPage.max_page_size + 1):
        make_product(f"SKU-{i:03}")

    response = anonymous.get("/api/v1/products/", {"limit": 100000})

    assert response.status_code == 200
    assert len(response.json()["results"]) == CursorPage.max_page_size
    assert response.json()["next"] is not None
