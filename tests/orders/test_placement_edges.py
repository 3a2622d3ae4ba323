"""POST /api/v1/orders/ at its edges: unusable keys, a request outrun by its retry, and
each reason for a rejection answered with its own problem type."""

import threading
import time

import pytest

from contracts.common import ServiceUnavailable
from contracts.orders import OrderStatus
from contracts.payments import PaymentStatus
from shop.orders import idempotency
from shop.orders.models import IdempotencyRecord, Order
from tests.orders.conftest import customer_client, place


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize(
    "key",
    ["", "   ", "x" * 256, "tab\there", "new\nline"],
    ids=["empty", "blank", "too-long", "tab", "newline"],
)
def test_an_unusable_idempotency_key_answers_400_naming_the_header_and_creates_nothing(
    alice, bound_fakes, key
):
    response = place(alice, key=key)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["Idempotency-Key"]
    assert Order.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    assert bound_fakes.inventory.calls["reserve"] == 0
    assert bound_fakes.payments.calls["authorize"] == 0


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_request_outrun_by_its_retry_answers_as_the_retry_did(settings, bound_fakes):
    """The first request stalls past its key's lease; the retry takes the key over and
    places the order. The stalled one must answer that order, not a 500, and must not
    free the key under the retry."""
    settings.ORDERS_IDEMPOTENCY_LEASE_SECONDS = 1
    _, customer_id = customer_client("alice")
    body = {"lines": [{"sku": "TEE-BLACK-M", "quantity": 2}], "payment_method": "pm_card_visa"}
    # A key an earlier attempt claimed and left without an order, its lease over.
    claim = idempotency.claim_key(
        customer_id=customer_id, key="slow", request_fingerprint=idempotency.fingerprint(body)
    )
    IdempotencyRecord.objects.filter(pk=claim.record.pk).update(locked_until=None)

    # The first request reads the catalog twice: once before it finds the key taken,
    # once after taking the key's lease over; it stalls on the second read.
    reads, stalled_reading, get_products = [], threading.Event(), bound_fakes.inventory.get_products

    def stall_the_first(**kwargs):
        found = get_products(**kwargs)
        reads.append(threading.get_ident())
        if len(reads) == 2:
            stalled_reading.set()
            time.sleep(2.5)  # past the 1 s lease: the retry takes the key over meanwhile
        return found

    bound_fakes.inventory.get_products = stall_the_first
    answers = {}

    def post(name):
        answers[name] = place(customer_client("alice")[0], key="slow")

    stalled = threading.Thread(target=post, args=("stalled",))
    stalled.start()
    assert stalled_reading.wait(10)
    time.sleep(1.2)
    post("retry")
    stalled.join(30)

    assert answers["retry"].status_code == 201
    assert answers["stalled"].status_code == 201
    assert answers["stalled"].json() == answers["retry"].json()
    assert Order.objects.count() == 1
    assert bound_fakes.inventory.reservations_made == 1
    assert bound_fakes.payments.provider_calls["authorize"] == 1
    record = IdempotencyRecord.objects.get()
    assert record.response_status == 201
    assert str(record.order_id) == answers["retry"].json()["id"]


@pytest.mark.django_db(databases="__all__")
def test_short_stock_is_answered_as_insufficient_stock(alice, bound_fakes):
    response = place(alice, [{"sku": "MUG-WHITE", "quantity": 101}])

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/insufficient-stock")
    assert problem["skus"] == ["MUG-WHITE"]
    assert Order.objects.get().reason == "insufficient_stock"


@pytest.mark.django_db(databases="__all__")
def test_a_product_withdrawn_while_ordered_is_answered_as_product_unavailable(alice, bound_fakes):
    get_products = bound_fakes.inventory.get_products

    def read_then_withdraw(**kwargs):
        found = get_products(**kwargs)
        del bound_fakes.inventory.products["MUG-WHITE"]  # deactivated meanwhile
        return found

    bound_fakes.inventory.get_products = read_then_withdraw

    response = place(alice, [{"sku": "MUG-WHITE", "quantity": 1}])

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/product-unavailable")
    assert problem["skus"] == ["MUG-WHITE"]
    assert problem["order_id"] == str(Order.objects.get().id)
    assert Order.objects.get().status == OrderStatus.REJECTED
    assert bound_fakes.payments.calls["authorize"] == 0


@pytest.mark.django_db(databases="__all__")
def test_a_reservation_lapsing_before_confirmation_is_answered_as_reservation_expired(
    alice, bound_fakes
):
    authorize = bound_fakes.payments.authorize

    def authorize_slowly(**kwargs):
        payment = authorize(**kwargs)
        bound_fakes.inventory.expire(kwargs["order_id"])  # the expiry sweep ran meanwhile
        return payment

    bound_fakes.payments.authorize = authorize_slowly

    response = place(alice)

    assert response.status_code == 409
    assert response.json()["type"].endswith("/reservation-expired")
    order = Order.objects.get()
    assert bound_fakes.payments.status_of(order.id) == PaymentStatus.VOIDED


@pytest.mark.django_db(databases="__all__")
def test_an_unreachable_service_answers_503_and_the_retry_finishes_the_same_order(
    alice, bound_fakes
):
    reserve = bound_fakes.inventory.reserve

    def unreachable(**kwargs):
        raise ServiceUnavailable("inventory", retry_after=3, reason="connection refused")

    bound_fakes.inventory.reserve = unreachable

    first = place(alice, key="split")

    assert first.status_code == 503
    assert first["Retry-After"] == "3"
    assert first.json()["type"].endswith("/service-unavailable")
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING
    assert order.operation == "place"  # left for the retry or the reconciler
    assert bound_fakes.payments.calls["authorize"] == 0

    bound_fakes.inventory.reserve = reserve
    retry = place(alice, key="split")

    assert retry.status_code == 201
    assert retry.json()["id"] == str(order.id)
    assert Order.objects.count() == 1
    assert bound_fakes.payments.provider_calls["authorize"] == 1


@pytest.mark.django_db(databases="__all__")
def test_only_the_request_holding_a_keys_lease_releases_it():
    stalled = idempotency.claim_key(customer_id=1, key="k", request_fingerprint="f").record
    # The stalled request's lease runs out, and its retry takes the key over.
    IdempotencyRecord.objects.filter(pk=stalled.pk).update(locked_until=stalled.created_at)
    retry = idempotency.claim_key(customer_id=1, key="k", request_fingerprint="f")
    assert retry.kind is idempotency.ClaimKind.RESUME

    idempotency.release_key(record=stalled)  # the stalled request cleans up late

    assert IdempotencyRecord.objects.get().locked_until == retry.record.locked_until
    idempotency.release_key(record=retry.record)
    assert IdempotencyRecord.objects.get().locked_until is None
