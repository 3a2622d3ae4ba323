"""The provider's signed webhooks: applied once, refused when not provably fresh and ours."""

import json
import time

import pytest
from django.test import Client

from contracts.payments import PaymentStatus
from shop.payments.models import ReceivedProviderEvent
from shop.payments.signatures import sign

from .conftest import EUR_25, payments_db, published, snapshot

pytestmark = payments_db

URL = "/api/v1/payments/webhooks/simulated/"
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.PAYMENTS_WEBHOOK_SECRET = SECRET


@pytest.fixture
def authorized(payments, order_id):
    return payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")


def event_body(reference, *, event_id="evt_1", type="charge.failed", **data):
    payload = {"id": event_id, "type": type, "data": {"charge": reference, **data}}
    return json.dumps(payload).encode()


def deliver(body, *, secret=SECRET, timestamp=None, url=URL, signature=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    header = signature if signature is not None else sign(body, secret=secret, timestamp=timestamp)
    return Client().post(
        url, data=body, content_type="application/json", headers={"Shop-Signature": header}
    )


def test_a_late_failure_is_applied_once_even_if_delivered_twice(payments, order_id, authorized):
    body = event_body(authorized.provider_reference, failure_code="fraudulent")

    first = deliver(body)
    second = deliver(body)

    assert (first.status_code, first.json()) == (200, {"outcome": "applied"})
    assert (second.status_code, second.json()) == (200, {"outcome": "replayed"})
    payment = payments.get(order_id=order_id)
    assert (payment.status, payment.decline_reason) == (PaymentStatus.FAILED, "fraudulent")
    assert published("payments.payment_failed_after_authorization") == [
        {
            "name": "payments.payment_failed_after_authorization",
            "order_id": str(order_id),
            "reason": "fraudulent",
        }
    ]
    assert ReceivedProviderEvent.objects.count() == 1


def test_a_refund_done_elsewhere_is_recorded(payments, order_id, authorized):
    payments.capture(order_id=order_id)

    response = deliver(
        event_body(authorized.provider_reference, type="charge.refunded", amount=1000)
    )

    assert response.status_code == 200
    payment = payments.get(order_id=order_id)
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)
    [event] = published("payments.payment_refunded")
    assert (event["amount"]["amount_minor"], event["refunded_total_minor"]) == (1000, 1000)


def test_an_event_that_does_not_apply_is_acknowledged_and_kept(payments, order_id, authorized):
    payments.void(order_id=order_id)
    before = payments.get(order_id=order_id)

    response = deliver(event_body(authorized.provider_reference))

    assert response.json() == {"outcome": "ignored"}
    assert payments.get(order_id=order_id) == before
    assert ReceivedProviderEvent.objects.get().note == "payment is voided"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda body: deliver(body, secret="whsec_wrong"), id="wrong-secret"),
        pytest.param(
            lambda body: deliver(
                body.replace(b"fraudulent", b"expired_card"),
                signature=sign(body, secret=SECRET, timestamp=int(time.time())),
            ),
            id="tampered-body",
        ),
        pytest.param(lambda body: deliver(body, timestamp=int(time.time()) - 301), id="stale"),
        pytest.param(lambda body: deliver(body, timestamp=int(time.time()) + 301), id="future"),
        pytest.param(lambda body: deliver(body, signature=""), id="unsigned"),
        pytest.param(lambda body: deliver(body, signature="v1=abc"), id="no-timestamp"),
        pytest.param(
            lambda body: deliver(body, signature="t=1" + "0" * 400 + ",v1=abc"), id="huge-time"
        ),
        pytest.param(lambda body: deliver(body, signature="t=" + "9" * 5000 + ",v1=a"), id="long"),
    ],
)
def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(authorized, forge):
    body = event_body(authorized.provider_reference, failure_code="fraudulent")
    before = snapshot()

    response = forge(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "https://shop.example/problems/invalid-signature"
    assert snapshot() == before
    assert not ReceivedProviderEvent.objects.exists()


def test_a_signature_within_the_tolerance_is_accepted(authorized):
    response = deliver(event_body(authorized.provider_reference), timestamp=int(time.time()) - 290)

    assert response.status_code == 200


def test_an_unknown_provider_is_not_found(authorized):
    response = deliver(
        event_body(authorized.provider_reference), url="/api/v1/payments/webhooks/acme/"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_an_event_for_an_unknown_charge_is_not_recorded_so_the_provider_retries(authorized):
    response = deliver(event_body("sim_ch_unknown"))

    assert response.status_code == 404
    assert response.json()["type"] == "https://shop.example/problems/unknown-payment"
    assert not ReceivedProviderEvent.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b'{"id": "evt_1"}', b"[]"])
def test_a_signed_but_malformed_body_is_a_bad_request(authorized, body):
    before = snapshot()

    response = deliver(body)

    assert response.status_code == 400
    assert response.json()["type"] == "https://shop.example/problems/invalid-event"
    assert snapshot() == before
