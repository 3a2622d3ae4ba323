"""POST /api/v1/orders/: every outcome row of API.md § Orders, status and body."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from contracts.orders import OrderStatus
from contracts.payments import PaymentStatus
from shop.orders.models import IdempotencyRecord, Order
from shop.platform.events.models import OutboxMessage
from tests.orders.conftest import place

pytestmark = pytest.mark.django_db(databases="__all__")


def published(name: str) -> list[dict]:
    return [
        m.payload
        for m in OutboxMessage.objects.using("orders").filter(name=name).order_by("occurred_at")
    ]


def test_a_stocked_and_paid_order_is_confirmed_with_its_location(alice, bound_fakes):
    response = place(
        alice, [{"sku": "TEE-BLACK-M", "quantity": 2}, {"sku": "MUG-WHITE", "quantity": 1}]
    )

    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/orders/{body['id']}/"
    assert body["status"] == "confirmed"
    assert body["lines"] == [
        {
            "sku": "TEE-BLACK-M",
            "quantity": 2,
            "unit_price": {"amount": "12.50", "currency": "EUR"},
            "line_total": {"amount": "25.00", "currency": "EUR"},
        },
        {
            "sku": "MUG-WHITE",
            "quantity": 1,
            "unit_price": {"amount": "8.99", "currency": "EUR"},
            "line_total": {"amount": "8.99", "currency": "EUR"},
        },
    ]
    assert body["total"] == {"amount": "33.99", "currency": "EUR"}
    assert body["payment"] == {"status": "authorized", "method": "pm_card_visa"}
    assert {"created_at", "updated_at"} <= body.keys()
    order_id = uuid.UUID(body["id"])
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 98
    assert bound_fakes.inventory.reservations[order_id].expires_at is None, "held until shipped"
    assert bound_fakes.payments.payments[order_id].amount.amount_minor == 3399
    assert published("orders.order_confirmed") == [
        {
            "order_id": body["id"],
            "customer_id": Order.objects.get().customer_id,
            "total": {"amount_minor": 3399, "currency": "EUR"},
        }
    ]


def test_the_price_is_captured_when_the_order_is_placed(alice, bound_fakes):
    order_id = place(alice).json()["id"]
    bound_fakes.inventory.add("TEE-BLACK-M", price=9999, stock=5)

    body = alice.get(f"/api/v1/orders/{order_id}/").json()

    assert body["lines"][0]["unit_price"] == {"amount": "12.50", "currency": "EUR"}


def test_short_stock_answers_409_and_leaves_a_rejected_order(alice, bound_fakes):
    bound_fakes.inventory.add("MUG-WHITE", price=899, stock=1)

    response = place(
        alice, [{"sku": "TEE-BLACK-M", "quantity": 1}, {"sku": "MUG-WHITE", "quantity": 2}]
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/insufficient-stock")
    assert problem["skus"] == ["MUG-WHITE"]
    order = Order.objects.get(pk=problem["order_id"])
    assert order.status == OrderStatus.REJECTED
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
    assert bound_fakes.payments.payments == {}
    assert published("orders.order_rejected")[0]["short_skus"] == ["MUG-WHITE"]


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
def test_a_declined_payment_answers_402_and_releases_the_stock(alice, bound_fakes, method, reason):
    response = place(alice, method=method)

    assert response.status_code == 402
    problem = response.json()
    assert problem["type"].endswith("/payment-declined")
    assert problem["reason"] == reason
    order = Order.objects.get(pk=problem["order_id"])
    assert order.status == OrderStatus.PAYMENT_FAILED
    assert bound_fakes.inventory.available("TEE-BLACK-M") == 100
    assert bound_fakes.inventory.state_of(order.id) == "released"
    assert published("orders.order_payment_failed")[0]["reason"] == reason


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"lines": [{"sku": "NOPE", "quantity": 1}], "payment_method": "pm_card_visa"},
            "lines[0].sku",
        ),
        (
            {"lines": [{"sku": "TEE-BLACK-M", "quantity": 0}], "payment_method": "pm_card_visa"},
            "lines[0].quantity",
        ),
        (
            {"lines": [{"sku": "TEE-BLACK-M", "quantity": 1001}], "payment_method": "pm_card_visa"},
            "lines[0].quantity",
        ),
        ({"lines": [], "payment_method": "pm_card_visa"}, "lines"),
        (
            {
                "lines": [{"sku": "MUG-WHITE", "quantity": 1}, {"sku": "MUG-WHITE", "quantity": 2}],
                "payment_method": "pm_card_visa",
            },
            "lines[1].sku",
        ),
        ({"lines": [{"sku": "TEE-BLACK-M", "quantity": 1}]}, "payment_method"),
        ({"payment_method": "pm_card_visa"}, "lines"),
        (
            {"lines": [{"sku": "TEE-BLACK-M", "quantity": 1}], "payment_method": "pm_bitcoin"},
            "payment_method",
        ),
        (
            {
                "lines": [
                    {"sku": "TEE-BLACK-M", "quantity": 1},
                    {"sku": "POSTER-USD", "quantity": 1},
                ],
                "payment_method": "pm_card_visa",
            },
            "lines",
        ),
        (
            {
                "lines": [{"sku": "TEE-BLACK-M", "quantity": "two"}],
                "payment_method": "pm_card_visa",
            },
            "lines[0].quantity",
        ),
    ],
    ids=[
        "unknown-sku",
        "quantity-0",
        "quantity-1001",
        "empty",
        "duplicate",
        "no-method",
        "no-lines",
        "unsupported-method",
        "mixed-currencies",
        "quantity-not-a-number",
    ],
)
def test_invalid_requests_answer_400_with_errors_and_create_nothing(
    alice, bound_fakes, body, field
):
    response = alice.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-400")

    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400
    assert field in [error["field"] for error in problem["errors"]]
    assert not Order.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    assert bound_fakes.inventory.reservations == {}


def test_a_body_that_is_not_json_answers_400(alice):
    response = alice.generic("POST", "/api/v1/orders/", "{nope", content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_the_same_key_and_body_again_gets_the_first_answer(alice, bound_fakes):
    first = place(alice, key="order-1")
    again = place(alice, key="order-1")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert Order.objects.count() == 1
    assert bound_fakes.inventory.reservations_made == 1
    assert bound_fakes.payments.provider_calls["authorize"] == 1


def test_a_problem_answer_is_replayed_too(alice, bound_fakes):
    first = place(alice, key="declined", method="pm_card_chargeDeclined")
    again = place(alice, key="declined", method="pm_card_chargeDeclined")

    assert (first.status_code, again.status_code) == (402, 402)
    assert again.json() == first.json()
    assert again["Content-Type"] == "application/problem+json"
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_answers_422_and_changes_nothing(alice, bound_fakes):
    place(alice, key="order-1")

    response = place(alice, [{"sku": "MUG-WHITE", "quantity": 1}], key="order-1")

    assert response.status_code == 422
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert Order.objects.count() == 1
    assert bound_fakes.inventory.available("MUG-WHITE") == 100


def test_a_retry_gets_the_first_answer_after_the_product_left_the_catalog(alice, bound_fakes):
    first = place(alice, key="order-1")
    del bound_fakes.inventory.products["TEE-BLACK-M"]

    again = place(alice, key="order-1")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert Order.objects.count() == 1


def test_an_invalid_body_under_a_used_key_answers_422_and_keeps_the_first_answer(
    alice, bound_fakes
):
    first = place(alice, key="order-1")

    response = place(alice, [{"sku": "NOT-SOLD", "quantity": 1}], key="order-1")

    assert response.status_code == 422
    assert response.json()["type"].endswith("/idempotency-key-reused")
    assert place(alice, key="order-1").json() == first.json()


def test_a_key_past_its_expiry_places_a_new_order(alice, bound_fakes):
    first = place(alice, key="order-1")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = place(alice, key="order-1")

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.get().order_id == uuid.UUID(again.json()["id"])
    assert Order.objects.count() == 2


def test_keys_are_scoped_to_the_customer(alice, bob):
    assert place(alice, key="shared").status_code == 201
    assert place(bob, key="shared").status_code == 201
    assert Order.objects.count() == 2


def test_a_key_that_is_not_printable_answers_400(alice):
    response = place(alice, key="x" * 256)

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_an_unanswering_provider_answers_503_and_the_retry_finishes_the_same_order(
    alice, bound_fakes
):
    bound_fakes.payments.provider_down = True

    first = place(alice, key="flaky")

    assert first.status_code == 503
    assert first["Retry-After"]
    problem = first.json()
    assert problem["type"].endswith("/payment-provider-unavailable")
    assert Order.objects.get().status == OrderStatus.PENDING

    bound_fakes.payments.provider_down = False
    retry = place(alice, key="flaky")

    assert retry.status_code == 201
    assert retry.json()["id"] == problem["order_id"]
    assert Order.objects.count() == 1
    assert bound_fakes.inventory.reservations_made == 1
    assert bound_fakes.payments.status_of(Order.objects.get().id) == PaymentStatus.AUTHORIZED


def test_a_reservation_lapsing_before_confirmation_voids_and_rejects(alice, bound_fakes):
    fakes = bound_fakes
    authorize = fakes.payments.authorize

    def authorize_slowly(**kwargs):
        payment = authorize(**kwargs)
        fakes.inventory.expire(kwargs["order_id"])  # the expiry sweep ran meanwhile
        return payment

    fakes.payments.authorize = authorize_slowly

    response = place(alice)

    assert response.status_code == 409
    order_id = uuid.UUID(response.json()["order_id"])
    assert Order.objects.get().status == OrderStatus.REJECTED
    assert fakes.payments.status_of(order_id) == PaymentStatus.VOIDED
    assert fakes.inventory.available("TEE-BLACK-M") == 100


def test_orders_and_their_events_get_time_ordered_ids(alice, bound_fakes):
    # UUIDv7 keys land on the newest pages of their indexes (decision 0046).
    first = place(alice, [{"sku": "TEE-BLACK-M", "quantity": 1}]).json()["id"]
    second = place(alice, [{"sku": "MUG-WHITE", "quantity": 1}]).json()["id"]

    ids = [uuid.UUID(first), uuid.UUID(second)]
    assert [order_id.version for order_id in ids] == [7, 7]
    assert ids[0] < ids[1]
    events = OutboxMessage.objects.using("orders").order_by("occurred_at")
    assert [message.event_id.version for message in events] == [7, 7]
