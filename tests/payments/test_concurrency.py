"""Concurrent calls for one order never charge or refund twice."""

import pytest

from contracts.payments import PaymentProviderUnavailable, PaymentStatus, RefundExceedsCapture
from shop.payments.models import Payment, ProviderInteraction

from .conftest import EUR_25, concurrently, ledger, payments_db, provider_calls, published

pytestmark = [payments_db, pytest.mark.slow]

# Slow enough that every thread arrives while the first call is still at the provider.
LATENCY = 0.3


def test_ten_concurrent_authorizations_make_one_charge_and_one_payment(
    payments, order_id, simulator
):
    simulator(latency_seconds=LATENCY)

    results = concurrently(
        10,
        lambda: payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa"),
    )

    assert all(result == results[0] for result in results), results
    assert results[0].status is PaymentStatus.AUTHORIZED
    assert Payment.objects.count() == 1
    assert len(provider_calls()) == 1
    assert ledger(order_id) == [("authorize", "succeeded")]
    assert len(published("payments.payment_authorized")) == 1


def test_ten_concurrent_captures_capture_once(payments, order_id, simulator):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    simulator(latency_seconds=LATENCY)

    results = concurrently(10, lambda: payments.capture(order_id=order_id))

    assert {result.status for result in results} == {PaymentStatus.CAPTURED}
    assert {result.captured_minor for result in results} == {2500}
    assert len(provider_calls("capture")) == 1
    assert ledger(order_id) == [("authorize", "succeeded"), ("capture", "succeeded")]
    assert len(published("payments.payment_captured")) == 1


def test_ten_concurrent_full_refunds_refund_once(payments, order_id, simulator):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    payments.capture(order_id=order_id)
    simulator(latency_seconds=LATENCY)

    results = concurrently(10, lambda: payments.refund(order_id=order_id))

    assert {result.status for result in results} == {PaymentStatus.REFUNDED}
    assert {result.refunded_minor for result in results} == {2500}
    assert len(provider_calls("refund")) == 1
    assert ProviderInteraction.objects.filter(operation="refund").count() == 1
    assert [
        event["amount"]["amount_minor"] for event in published("payments.payment_refunded")
    ] == [2500]


def test_concurrent_partial_refunds_never_exceed_the_capture(payments, order_id, simulator):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    payments.capture(order_id=order_id)
    simulator(latency_seconds=0.05)

    results = concurrently(10, lambda: payments.refund(order_id=order_id, amount_minor=1000))

    payment = Payment.objects.get()
    refunds = provider_calls("refund")
    assert payment.refunded_minor == 2000 == sum(call.amount_minor for call in refunds)
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert len(refunds) == 2
    refused = [result for result in results if isinstance(result, RefundExceedsCapture)]
    assert len(refused) == 8
    assert {result.refundable_minor for result in refused} == {500}


def test_callers_joining_an_unanswered_call_all_hear_no_answer_and_it_is_sent_once(
    payments, order_id, simulator
):
    simulator(latency_seconds=LATENCY, authorize="timeout_after")

    results = concurrently(
        10,
        lambda: payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa"),
    )

    assert all(isinstance(result, PaymentProviderUnavailable) for result in results), results
    assert Payment.objects.get().status == PaymentStatus.UNRESOLVED
    assert len(provider_calls()) == 1
    assert ledger(order_id) == [("authorize", "timeout")]
