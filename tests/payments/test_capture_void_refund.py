"""Capturing, voiding and refunding an order's payment."""

import uuid

import pytest

from contracts.payments import (
    InvalidPaymentState,
    PaymentNotFound,
    PaymentStatus,
    RefundExceedsCapture,
)

from .conftest import EUR_25, ledger, payments_db, provider_calls, published, snapshot

pytestmark = payments_db


@pytest.fixture
def authorized(payments, order_id):
    return payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")


@pytest.fixture
def captured(payments, order_id, authorized):
    return payments.capture(order_id=order_id)


def test_capture_takes_the_authorized_amount(payments, order_id, authorized):
    payment = payments.capture(order_id=order_id)

    assert payment.status is PaymentStatus.CAPTURED
    assert payment.captured_minor == 2500
    assert published("payments.payment_captured") == [
        {
            "name": "payments.payment_captured",
            "order_id": str(order_id),
            "amount": {"amount_minor": 2500, "currency": "EUR"},
        }
    ]


def test_capturing_twice_captures_once(payments, order_id, captured):
    assert payments.capture(order_id=order_id) == captured
    assert len(provider_calls("capture")) == 1


def test_capture_without_a_payment_is_not_found(payments):
    with pytest.raises(PaymentNotFound):
        payments.capture(order_id=uuid.uuid4())


def test_a_declined_payment_cannot_be_captured(payments, order_id):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_chargeDeclined")

    with pytest.raises(InvalidPaymentState) as refused:
        payments.capture(order_id=order_id)

    assert refused.value.status is PaymentStatus.DECLINED
    assert provider_calls("capture") == []


def test_void_cancels_the_authorization_once(payments, order_id, authorized):
    payment = payments.void(order_id=order_id)

    assert payment.status is PaymentStatus.VOIDED
    assert payments.void(order_id=order_id) == payment
    assert len(provider_calls("void")) == 1
    assert published("payments.payment_voided") == [
        {"name": "payments.payment_voided", "order_id": str(order_id)}
    ]


def test_void_of_an_order_without_payment_is_none(payments):
    assert payments.void(order_id=uuid.uuid4()) is None
    assert provider_calls() == []


def test_void_after_capture_is_refused(payments, order_id, captured):
    with pytest.raises(InvalidPaymentState) as refused:
        payments.void(order_id=order_id)

    assert refused.value.status is PaymentStatus.CAPTURED
    assert payments.get(order_id=order_id).status is PaymentStatus.CAPTURED


def test_partial_refunds_add_up_to_a_full_refund(payments, order_id, captured):
    first = payments.refund(order_id=order_id, amount_minor=1000)
    rest = payments.refund(order_id=order_id)

    assert (first.status, first.refunded_minor) == (PaymentStatus.PARTIALLY_REFUNDED, 1000)
    assert (rest.status, rest.refunded_minor) == (PaymentStatus.REFUNDED, 2500)
    assert [
        (e["amount"]["amount_minor"], e["refunded_total_minor"])
        for e in published("payments.payment_refunded")
    ] == [(1000, 1000), (1500, 2500)]
    assert ledger(order_id)[-2:] == [("refund", "succeeded"), ("refund", "succeeded")]


def test_a_full_refund_repeated_refunds_once(payments, order_id, captured):
    refunded = payments.refund(order_id=order_id)

    assert payments.refund(order_id=order_id) == refunded
    assert len(provider_calls("refund")) == 1


@pytest.mark.parametrize("already_refunded", [0, 2000])
def test_refunding_more_than_captured_is_refused_and_changes_nothing(
    payments, order_id, captured, already_refunded
):
    if already_refunded:
        payments.refund(order_id=order_id, amount_minor=already_refunded)
    before = snapshot()

    with pytest.raises(RefundExceedsCapture) as refused:
        payments.refund(order_id=order_id, amount_minor=2501 - already_refunded + 1)

    assert refused.value.refundable_minor == 2500 - already_refunded
    assert refused.value.requested_minor == 2502 - already_refunded
    assert snapshot() == before


def test_a_payment_not_captured_cannot_be_refunded(payments, order_id, authorized):
    before = snapshot()

    with pytest.raises(InvalidPaymentState):
        payments.refund(order_id=order_id, amount_minor=100)

    assert snapshot() == before
