"""contracts.payments.PaymentsService, as every binding of it keeps it."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.db import connections

from contracts.common import Money, ServiceUnavailable
from contracts.payments import (
    InvalidPaymentState,
    PaymentNotFound,
    PaymentsService,
    PaymentStatus,
    RefundExceedsCapture,
    UnsupportedPaymentMethod,
)
from shop.platform.bindings import bound
from shop.platform.rpc.conf import client_path
from tests.contracts.conftest import BINDINGS, bind
from tests.orders import fakes

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


@pytest.fixture(params=BINDINGS)
def payments(request, settings) -> PaymentsService:
    fakes.PAYMENTS = fakes.FakePayments()
    bind(
        request,
        settings,
        contract="contracts.payments.PaymentsService",
        client=client_path("contracts.payments.PaymentsService"),
        url_setting="PAYMENTS_SERVICE_URL",
        fake="tests.orders.fakes.PAYMENTS",
    )
    return bound(PaymentsService)


EUROS = Money(4990, "EUR")


def authorized(payments: PaymentsService, amount: Money = EUROS):
    order_id = uuid4()
    payment = payments.authorize(order_id=order_id, amount=amount, payment_method="pm_card_visa")
    return order_id, payment


def test_the_simulator_cards_are_supported(payments):
    methods = payments.supported_payment_methods()

    assert isinstance(methods, frozenset)
    assert {"pm_card_visa", "pm_card_chargeDeclined"} <= methods


def test_an_authorization_holds_the_exact_amount_once(payments):
    order_id, payment = authorized(payments, Money(123456789012, "JPY"))

    again = payments.authorize(
        order_id=order_id, amount=Money(123456789012, "JPY"), payment_method="pm_card_visa"
    )

    assert payment.order_id == order_id
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.amount == Money(123456789012, "JPY")
    assert (payment.captured_minor, payment.refunded_minor) == (0, 0)
    assert payment.decline_reason is None
    assert payment.provider_reference
    assert again == payment


def test_a_declined_card_is_an_answer_not_an_error(payments):
    order_id = uuid4()

    payment = payments.authorize(
        order_id=order_id, amount=Money(100, "EUR"), payment_method="pm_card_chargeDeclined"
    )

    assert payment.status == PaymentStatus.DECLINED
    assert payment.decline_reason == "card_declined"


def test_an_unsupported_method_is_named(payments):
    with pytest.raises(UnsupportedPaymentMethod) as refused:
        payments.authorize(order_id=uuid4(), amount=Money(100, "EUR"), payment_method="pm_cash")

    assert refused.value.payment_method == "pm_cash"


def test_capture_takes_the_authorized_amount_once(payments):
    order_id, _ = authorized(payments)

    captured = payments.capture(order_id=order_id)
    again = payments.capture(order_id=order_id)

    assert captured.status == again.status == PaymentStatus.CAPTURED
    assert captured.captured_minor == again.captured_minor == 4990


def test_capturing_again_after_a_refund_returns_the_payment_as_it_is(payments):
    order_id, _ = authorized(payments)
    payments.capture(order_id=order_id)
    payments.refund(order_id=order_id, amount_minor=990)

    partly = payments.capture(order_id=order_id)
    payments.refund(order_id=order_id)
    wholly = payments.capture(order_id=order_id)

    assert (partly.status, partly.captured_minor, partly.refunded_minor) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        4990,
        990,
    )
    assert (wholly.status, wholly.refunded_minor) == (PaymentStatus.REFUNDED, 4990)


def test_capture_names_a_missing_payment_and_a_wrong_state(payments):
    missing_order = uuid4()
    declined_order = uuid4()
    payments.authorize(
        order_id=declined_order, amount=Money(100, "EUR"), payment_method="pm_card_chargeDeclined"
    )

    with pytest.raises(PaymentNotFound) as missing:
        payments.capture(order_id=missing_order)
    with pytest.raises(InvalidPaymentState) as wrong:
        payments.capture(order_id=declined_order)

    assert missing.value.order_id == missing_order
    assert wrong.value.order_id == declined_order
    assert wrong.value.status == PaymentStatus.DECLINED
    assert wrong.value.operation == "capture"


def test_void_cancels_an_authorization_and_is_none_without_a_payment(payments):
    order_id, _ = authorized(payments)

    voided = payments.void(order_id=order_id)
    again = payments.void(order_id=order_id)

    assert voided.status == again.status == PaymentStatus.VOIDED
    assert payments.void(order_id=uuid4()) is None


def test_refunds_add_up_to_the_captured_amount_and_no_more(payments):
    order_id, _ = authorized(payments)
    payments.capture(order_id=order_id)

    partial = payments.refund(order_id=order_id, amount_minor=990)
    with pytest.raises(RefundExceedsCapture) as too_much:
        payments.refund(order_id=order_id, amount_minor=4001)
    rest = payments.refund(order_id=order_id)

    assert partial.status == PaymentStatus.PARTIALLY_REFUNDED
    assert partial.refunded_minor == 990
    assert too_much.value.order_id == order_id
    assert (too_much.value.requested_minor, too_much.value.refundable_minor) == (4001, 4000)
    assert rest.status == PaymentStatus.REFUNDED
    assert rest.refunded_minor == 4990


def test_an_uncaptured_payment_cannot_be_refunded(payments):
    order_id, _ = authorized(payments)

    with pytest.raises(InvalidPaymentState) as wrong:
        payments.refund(order_id=order_id)

    assert (wrong.value.status, wrong.value.operation) == (PaymentStatus.AUTHORIZED, "refund")


def test_payments_are_read_one_at_a_time_or_by_the_page(payments):
    first, first_payment = authorized(payments)
    second, second_payment = authorized(payments, Money(1, "USD"))
    nobody = uuid4()

    assert payments.get(order_id=first) == first_payment
    assert payments.get(order_id=nobody) is None
    assert payments.get_many(order_ids=[first, second, nobody]) == {
        first: first_payment,
        second: second_payment,
    }


def test_the_history_tells_each_provider_call_and_published_event_oldest_first(payments):
    order_id, _ = authorized(payments)
    payments.capture(order_id=order_id)

    history = payments.payment_history(order_id=order_id)

    assert isinstance(history, tuple)
    calls = [entry for entry in history if not entry.event_id]
    events = [entry for entry in history if entry.event_id]
    assert [("authorize" in call.what, "capture" in call.what) for call in calls] == [
        (True, False),
        (False, True),
    ]
    assert [call.outcome for call in calls] == ["succeeded", "succeeded"]
    assert [event.what for event in events] == [
        "Payment authorized: 49.90 EUR",
        "Payment captured: 49.90 EUR",
    ]
    assert {entry.app for entry in history} == {"payments"}
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)
    assert all(entry.at.tzinfo is not None for entry in history)
    assert payments.payment_history(order_id=uuid4()) == ()


def test_the_history_of_a_declined_payment_says_why(payments):
    order_id = uuid4()
    payments.authorize(
        order_id=order_id, amount=Money(100, "EUR"), payment_method="pm_card_chargeDeclined"
    )

    history = payments.payment_history(order_id=order_id)

    assert [entry.outcome for entry in history if not entry.event_id] == ["declined: card_declined"]
    assert [entry.what for entry in history if entry.event_id] == [
        "Payment declined: reason: card_declined"
    ]


def test_orders_are_found_by_the_status_of_their_payment_newest_first(payments):
    first, _ = authorized(payments)
    second, _ = authorized(payments)
    declined = uuid4()
    payments.authorize(
        order_id=declined, amount=Money(100, "EUR"), payment_method="pm_card_chargeDeclined"
    )
    captured, _ = authorized(payments)
    payments.capture(order_id=captured)

    authorized_ones = payments.order_ids_with_status(statuses=[PaymentStatus.AUTHORIZED], limit=10)
    either = payments.order_ids_with_status(
        statuses=[PaymentStatus.AUTHORIZED, PaymentStatus.DECLINED], limit=2
    )

    assert authorized_ones == [second, first]
    assert either == [declined, second]
    assert payments.order_ids_with_status(statuses=[PaymentStatus.CAPTURED], limit=10) == [captured]
    assert payments.order_ids_with_status(statuses=[PaymentStatus.REFUNDED], limit=10) == []


@pytest.fixture
def a_column_gone():
    """A schema the payments code does not match (a bad migration): a bug, not an outage."""
    with connections["payments"].cursor() as cursor:
        cursor.execute("ALTER TABLE payments_payment RENAME COLUMN decline_reason TO gone")
    yield
    with connections["payments"].cursor() as cursor:
        cursor.execute("ALTER TABLE payments_payment RENAME COLUMN gone TO decline_reason")


@pytest.mark.parametrize("binding", ["facade", "grpc"])
def test_a_database_error_that_is_a_bug_is_an_error_on_every_binding_not_an_outage(
    request, settings, binding, a_column_gone
):
    bind(
        request,
        settings,
        contract="contracts.payments.PaymentsService",
        client=client_path("contracts.payments.PaymentsService"),
        url_setting="PAYMENTS_SERVICE_URL",
        fake="",
        kind=binding,
    )

    with pytest.raises(Exception) as failed:
        bound(PaymentsService).get(order_id=uuid4())

    # Not ServiceUnavailable: no retry cures it, and the REST client must not be told
    # to come back later (503) for a bug.
    assert not isinstance(failed.value, ServiceUnavailable), failed.value
    assert "ProgrammingError" in f"{type(failed.value).__name__} {failed.value}"
