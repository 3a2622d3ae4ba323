"""The orders list refuses a bad ``?limit=`` or ``?cursor=`` with a 400 problem."""

import base64

import pytest

from tests.orders.conftest import place

pytestmark = pytest.mark.django_db(databases="__all__")


def problem_fields(response) -> list[str]:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


@pytest.mark.parametrize("limit", ["abc", "-1", "0", "00", "1.5", "", " 5", "1_0"])
def test_a_limit_that_is_no_positive_whole_number_is_refused(alice, limit):
    assert problem_fields(alice.get("/api/v1/orders/", {"limit": limit})) == ["limit"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.b64encode(b"o=-3").decode(),
        base64.b64encode(b"p=not-a-date").decode(),
        base64.b64encode(b"p=99999-99-99").decode(),
    ],
)
def test_a_cursor_this_api_did_not_hand_out_is_refused(alice, cursor):
    place(alice)

    assert problem_fields(alice.get("/api/v1/orders/", {"cursor": cursor})) == ["cursor"]


def test_a_limit_above_the_maximum_gives_the_largest_page(alice):
    for i in range(3):
        place(alice, key=f"k{i}")

    for limit in ["101", "9" * 5000]:
        response = alice.get("/api/v1/orders/", {"limit": limit})

        assert response.status_code == 200
        assert len(response.json()["results"]) == 3
