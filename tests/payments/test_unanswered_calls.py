"""A provider that does not answer leaves the payment unresolved; the resolver settles it."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from contracts.payments import PaymentProviderUnavailable, PaymentStatus
from shop.payments import services
from shop.payments.models import Payment
from shop.platform.schedule import periodic_jobs

from .conftest import EUR_25, ledger, payments_db, provider_calls, published

pytestmark = payments_db


def authorize(payments, order_id):
    return payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")


def test_a_timeout_leaves_the_payment_unresolved(payments, order_id, simulator):
    simulator(authorize="timeout_before")

    with pytest.raises(PaymentProviderUnavailable) as unavailable:
        authorize(payments, order_id)

    assert unavailable.value.operation == "authorize"
    assert payments.get(order_id=order_id).status is PaymentStatus.UNRESOLVED
    assert ledger(order_id) == [("authorize", "timeout")]
    assert published() == []


def test_the_resolver_authorizes_what_the_provider_did_authorize(payments, order_id, simulator):
    simulator(authorize="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)
    simulator()

    assert services.resolve_unanswered_payments() == 1

    payment = payments.get(order_id=order_id)
    assert payment.status is PaymentStatus.AUTHORIZED
    assert payment.provider_reference == provider_calls("authorize")[0].reference
    assert len(provider_calls()) == 1
    assert ledger(order_id) == [("authorize", "timeout"), ("lookup", "succeeded")]
    assert [e["name"] for e in published()] == ["payments.payment_authorized"]


def test_the_resolver_fails_what_the_provider_never_received(payments, order_id, simulator):
    simulator(authorize="timeout_before")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)
    simulator()

    assert services.resolve_unanswered_payments() == 1

    payment = payments.get(order_id=order_id)
    assert payment.status is PaymentStatus.FAILED
    assert payment.decline_reason == "no_answer_from_provider"
    assert provider_calls() == []
    assert ledger(order_id) == [("authorize", "timeout"), ("lookup", "not_found")]
    assert published() == [
        {
            "name": "payments.payment_declined",
            "order_id": str(order_id),
            "reason": "no_answer_from_provider",
        }
    ]


def test_the_resolver_records_a_decline_the_provider_made(payments, order_id, simulator):
    simulator(authorize="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        payments.authorize(
            order_id=order_id, amount=EUR_25, payment_method="pm_card_chargeDeclined"
        )
    simulator()

    services.resolve_unanswered_payments()

    payment = payments.get(order_id=order_id)
    assert (payment.status, payment.decline_reason) == (PaymentStatus.DECLINED, "card_declined")


def test_a_provider_still_silent_leaves_the_payment_for_the_next_pass(
    payments, order_id, simulator
):
    simulator(authorize="timeout_after", lookup="error")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)

    assert services.resolve_unanswered_payments() == 0
    assert payments.get(order_id=order_id).status is PaymentStatus.UNRESOLVED

    simulator()
    assert services.resolve_unanswered_payments() == 1
    assert payments.get(order_id=order_id).status is PaymentStatus.AUTHORIZED
    assert ledger(order_id) == [
        ("authorize", "timeout"),
        ("lookup", "error"),
        ("lookup", "succeeded"),
    ]


def test_the_resolver_waits_until_an_unanswered_call_is_old_enough(
    payments, order_id, simulator, settings
):
    settings.PAYMENTS_RESOLVE_AFTER_SECONDS = 60
    simulator(authorize="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)

    assert services.resolve_unanswered_payments() == 0
    assert payments.get(order_id=order_id).status is PaymentStatus.UNRESOLVED


def test_retrying_an_unanswered_authorization_reuses_its_key(payments, order_id, simulator):
    simulator(authorize="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)
    simulator()

    payment = authorize(payments, order_id)

    assert payment.status is PaymentStatus.AUTHORIZED
    assert len(provider_calls("authorize")) == 1
    assert ledger(order_id) == [("authorize", "timeout"), ("authorize", "succeeded")]


def test_a_capture_the_provider_never_received_leaves_the_payment_authorized(
    payments, order_id, simulator
):
    authorize(payments, order_id)
    simulator(capture="error")
    with pytest.raises(PaymentProviderUnavailable):
        payments.capture(order_id=order_id)
    assert payments.get(order_id=order_id).status is PaymentStatus.UNRESOLVED
    simulator()

    services.resolve_unanswered_payments()

    assert payments.get(order_id=order_id).status is PaymentStatus.AUTHORIZED
    assert payments.capture(order_id=order_id).status is PaymentStatus.CAPTURED
    assert len(provider_calls("capture")) == 1


def test_a_refund_whose_answer_was_lost_is_settled_as_refunded(payments, order_id, simulator):
    authorize(payments, order_id)
    payments.capture(order_id=order_id)
    simulator(refund="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        payments.refund(order_id=order_id, amount_minor=700)
    simulator()

    services.resolve_unanswered_payments()

    payment = payments.get(order_id=order_id)
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.PARTIALLY_REFUNDED, 700)
    assert len(provider_calls("refund")) == 1
    assert len(published("payments.payment_refunded")) == 1


def test_no_provider_call_runs_inside_a_transaction(payments, order_id):
    with (
        pytest.raises(RuntimeError, match="must not run inside a transaction"),
        transaction.atomic(using="payments"),
    ):
        authorize(payments, order_id)

    assert provider_calls() == []
    assert not Payment.objects.exists()


def test_the_command_settles_unanswered_payments_and_reports_each(
    payments, order_id, simulator, capsys
):
    simulator(authorize="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)
    simulator()

    call_command("resolve_unanswered_payments")

    out = capsys.readouterr().out
    assert f"order {order_id}: authorized" in out
    assert "Settled 1 payment(s)." in out


def test_the_command_refuses_a_bad_limit():
    with pytest.raises(CommandError, match="--limit must be a positive integer"):
        call_command("resolve_unanswered_payments", "--limit", "0")


def test_the_resolver_is_a_periodic_job(payments, order_id, simulator):
    job = {job.name: job for job in periodic_jobs()}["payments.resolve_unanswered_payments"]
    simulator(authorize="timeout_after")
    with pytest.raises(PaymentProviderUnavailable):
        authorize(payments, order_id)
    simulator()

    assert job.run() == 1
    assert payments.get(order_id=order_id).status is PaymentStatus.AUTHORIZED
