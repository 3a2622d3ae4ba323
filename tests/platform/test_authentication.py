"""``Authorization: Token <key>``: who the API sees, and the 401s of a bad or dead token."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from shop.platform.accounts import ensure_customer

pytestmark = pytest.mark.django_db(databases="__all__")


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_valid_token_is_its_customer():
    customer_id, token, _ = ensure_customer(username="alice")

    response = client_with(token).get("/api/v1/orders/")

    assert response.status_code == 200
    # The token's row and its user's are read in one statement: the right user comes back.
    user = response.wsgi_request.user
    assert (user.pk, user.username, user.is_active) == (customer_id, "alice", True)


@pytest.mark.parametrize("token", ["0" * 40, "not-a-token", "x" * 300])
def test_an_unknown_token_is_a_401_problem(token):
    response = client_with(token).get("/api/v1/orders/")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["detail"] == "Invalid token."


def test_the_token_of_a_deactivated_customer_is_refused():
    customer_id, token, _ = ensure_customer(username="bob")
    get_user_model().objects.filter(pk=customer_id).update(is_active=False)

    response = client_with(token).get("/api/v1/orders/")

    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."
