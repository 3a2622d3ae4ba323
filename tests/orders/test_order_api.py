"""Reading, cancelling, shipping and refunding orders over the API; who may do what."""

import uuid

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from contracts.payments import PaymentStatus
from shop.orders.models import Order
from shop.platform.events.models import OutboxMessage
from tests.orders.conftest import customer_client, place

pytestmark = pytest.mark.django_db(databases="__all__")


def event_names() -> list[str]:
    return list(
        OutboxMessage.objects.using("orders").order_by("occurred_at").values_list("name", flat=True)
    )


def test_anonymous_requests_answer_401_problems():
    anonymous = APIClient()
    some_id = uuid.uuid4()
    for method, path in [
        ("get", "/api/v1/orders/"),
        ("post", "/api/v1/orders/"),
        ("get", f"/api/v1/orders/{some_id}/"),
        ("post", f"/api/v1/orders/{some_id}/cancel/"),
        ("post", f"/api/v1/orders/{some_id}/ship/"),
        ("post", f"/api/v1/orders/{some_id}/refund/"),
    ]:
        response = getattr(anonymous, method)(path, {}, format="json")
        assert response.status_code == 401, path
        assert response["Content-Type"] == "application/problem+json"
    assert not Order.objects.exists()


def test_a_customer_reads_their_own_order(alice):
    order_id = place(alice).json()["id"]

    response = alice.get(f"/api/v1/orders/{order_id}/")

    assert response.status_code == 200
    assert response.json()["id"] == order_id
    assert response.json()["payment"]["status"] == "authorized"


def test_someone_elses_order_is_not_found_for_reading_or_cancelling(alice, bob, bound_fakes):
    order_id = place(alice).json()["id"]

    assert bob.get(f"/api/v1/orders/{order_id}/").status_code == 404
    response = bob.post(f"/api/v1/orders/{order_id}/cancel/")

    assert response.status_code == 404
    assert response.json()["type"].endswith("/not-found")
    assert Order.objects.get().status == "confirmed"
    assert bound_fakes.payments.status_of(uuid.UUID(order_id)) == PaymentStatus.AUTHORIZED


def test_an_unknown_order_is_not_found(alice):
    assert alice.get(f"/api/v1/orders/{uuid.uuid4()}/").status_code == 404


def test_the_list_holds_only_own_orders_newest_first_in_pages(alice, bob):
    mine = [place(alice, key=f"k{i}").json()["id"] for i in range(3)]
    place(bob)

    first = alice.get("/api/v1/orders/?limit=2").json()
    second = alice.get(first["next"]).json()

    assert [o["id"] for o in first["results"]] == mine[::-1][:2]
    assert [o["id"] for o in second["results"]] == mine[::-1][2:]
    assert second["next"] is None


def test_cancelling_a_confirmed_order_voids_the_payment_and_releases_the_stock(alice, bound_fakes):
    order_id = place(alice).json()["id"]

    response = alice.post(f"/api/v1/orders/{order_id}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["payment"]["status"] == "voided"
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
    assert event_names() == ["orders.order_confirmed", "orders.order_cancelled"]


def test_cancelling_twice_answers_409_the_second_time(alice, bound_fakes):
    order_id = place(alice).json()["id"]
    alice.post(f"/api/v1/orders/{order_id}/cancel/")

    response = alice.post(f"/api/v1/orders/{order_id}/cancel/")

    assert response.status_code == 409
    assert response.json()["order_status"] == "cancelled"
    assert bound_fakes.payments.provider_calls["void"] == 1


def test_a_rejected_order_cannot_be_cancelled(alice, bound_fakes):
    bound_fakes.inventory.add("TEE-BLACK-M", price=1250, stock=0)
    order_id = place(alice).json()["order_id"]

    assert alice.post(f"/api/v1/orders/{order_id}/cancel/").status_code == 409


def test_staff_ship_a_confirmed_order_capturing_and_committing(alice, staff, bound_fakes):
    order_id = place(alice).json()["id"]

    response = staff.post(f"/api/v1/orders/{order_id}/ship/")

    assert response.status_code == 200
    assert response.json()["status"] == "shipped"
    assert response.json()["payment"]["status"] == "captured"
    assert bound_fakes.inventory.state_of(uuid.UUID(order_id)) == "committed"
    assert bound_fakes.inventory.on_hand["TEE-BLACK-M"] == 98
    assert "orders.order_shipped" in event_names()


def test_a_shipped_order_cannot_be_cancelled(alice, staff, bound_fakes):
    order_id = place(alice).json()["id"]
    staff.post(f"/api/v1/orders/{order_id}/ship/")

    response = alice.post(f"/api/v1/orders/{order_id}/cancel/")

    assert response.status_code == 409
    assert bound_fakes.payments.status_of(uuid.UUID(order_id)) == PaymentStatus.CAPTURED


def test_shipping_answers_409_unless_confirmed(alice, staff, bound_fakes):
    declined = place(alice, method="pm_card_chargeDeclined").json()["order_id"]
    order_id = place(alice, key="second").json()["id"]
    staff.post(f"/api/v1/orders/{order_id}/ship/")

    assert staff.post(f"/api/v1/orders/{declined}/ship/").status_code == 409
    assert staff.post(f"/api/v1/orders/{order_id}/ship/").status_code == 409
    assert bound_fakes.payments.provider_calls["capture"] == 1


def test_staff_refund_a_shipped_order(alice, staff, bound_fakes):
    order_id = place(alice).json()["id"]
    staff.post(f"/api/v1/orders/{order_id}/ship/")

    response = staff.post(f"/api/v1/orders/{order_id}/refund/")

    assert response.status_code == 200
    assert response.json()["status"] == "refunded"
    assert response.json()["payment"]["status"] == "refunded"
    refunded = OutboxMessage.objects.using("orders").get(name="orders.order_refunded")
    assert refunded.payload["amount"] == {"amount_minor": 2500, "currency": "EUR"}


def test_refunding_answers_409_unless_shipped(alice, staff, bound_fakes):
    order_id = place(alice).json()["id"]

    assert staff.post(f"/api/v1/orders/{order_id}/refund/").status_code == 409
    assert bound_fakes.payments.calls["refund"] == 0


def test_customers_may_not_ship_or_refund(alice):
    order_id = place(alice).json()["id"]

    assert alice.post(f"/api/v1/orders/{order_id}/ship/").status_code == 403
    assert alice.post(f"/api/v1/orders/{order_id}/refund/").status_code == 403
    assert Order.objects.get().status == "confirmed"


def test_staff_need_the_permission_of_each_act_besides_is_staff(alice, bound_fakes):
    order_id = place(alice).json()["id"]
    support, _ = customer_client("support", staff=True)
    warehouse, _ = customer_client("warehouse", staff=True, permissions=("ship_order",))

    refused = support.post(f"/api/v1/orders/{order_id}/ship/")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "orders.ship_order" in refused.json()["detail"]
    assert Order.objects.get().status == "confirmed"
    assert bound_fakes.payments.calls["capture"] == 0

    assert warehouse.post(f"/api/v1/orders/{order_id}/ship/").status_code == 200
    refund = warehouse.post(f"/api/v1/orders/{order_id}/refund/")
    assert refund.status_code == 403
    assert "orders.refund_order" in refund.json()["detail"]
    assert Order.objects.get().status == "shipped"
    assert bound_fakes.payments.calls["refund"] == 0


def test_a_permission_without_is_staff_is_not_enough(alice, bound_fakes):
    order_id = place(alice).json()["id"]
    not_staff, _ = customer_client("carol", permissions=("ship_order",))

    assert not_staff.post(f"/api/v1/orders/{order_id}/ship/").status_code == 403
    assert Order.objects.get().status == "confirmed"


def test_shipping_an_unknown_order_is_not_found(staff):
    assert staff.post(f"/api/v1/orders/{uuid.uuid4()}/ship/").status_code == 404


def test_placing_too_fast_answers_429_with_retry_after(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"orders.place": "2/min", "orders.write": "120/min"},
    }
    client, _ = customer_client("hasty")

    answers = [place(client, key=f"k{i}").status_code for i in range(3)]

    assert answers == [201, 201, 429]
    limited = place(client, key="k9")
    assert limited["Retry-After"]
    assert limited.json()["type"].endswith("/rate-limited")
    assert Order.objects.count() == 2


def test_reads_are_not_counted_against_the_placement_rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"orders.place": "1/min", "orders.write": "120/min"},
    }
    client, _ = customer_client("reader")
    for _ in range(3):
        assert client.get("/api/v1/orders/").status_code == 200

    assert place(client).status_code == 201


def test_the_schema_documents_the_order_endpoints_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))

    schema = schema_file.read_text()
    assert "/api/v1/orders/{order_id}/ship/:" in schema
    assert "Idempotency-Key" in schema
