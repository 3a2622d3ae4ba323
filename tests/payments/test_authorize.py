"""Authorizing an order's payment with each of the simulated provider's methods."""

import uuid

import pytest

from contracts.common import Money
from contracts.payments import PaymentStatus, UnsupportedPaymentMethod
from shop.payments.models import Payment

from .conftest import EUR_25, ledger, payments_db, provider_calls, published

pytestmark = payments_db


@pytest.mark.parametrize("method", ["pm_card_visa", "pm_card_mastercard"])
def test_a_good_card_is_authorized(payments, order_id, method):
    payment = payments.authorize(order_id=order_id, amount=EUR_25, payment_method=method)

    assert payment.status is PaymentStatus.AUTHORIZED
    assert payment.amount == EUR_25
    assert payment.provider == "simulated"
    assert payment.provider_reference.startswith("sim_ch_")
    assert payment.decline_reason is None
    assert payments.get(order_id=order_id) == payment
    assert published() == [
        {
            "name": "payments.payment_authorized",
            "order_id": str(order_id),
            "amount": {"amount_minor": 2500, "currency": "EUR"},
        }
    ]
    assert ledger(order_id) == [("authorize", "succeeded")]


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
def test_a_declining_card_is_declined_with_its_reason(payments, order_id, method, reason):
    payment = payments.authorize(order_id=order_id, amount=EUR_25, payment_method=method)

    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline_reason == reason
    assert published() == [
        {"name": "payments.payment_declined", "order_id": str(order_id), "reason": reason}
    ]
    assert ledger(order_id) == [("authorize", "declined")]


def test_an_unknown_method_is_refused_before_anything_is_stored(payments, order_id):
    with pytest.raises(UnsupportedPaymentMethod) as refused:
        payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_amex")

    assert refused.value.payment_method == "pm_card_amex"
    assert not Payment.objects.exists()
    assert provider_calls() == []
    assert published() == []


def test_the_supported_methods_are_those_of_the_api(payments):
    assert payments.supported_payment_methods() == {
        "pm_card_visa",
        "pm_card_mastercard",
        "pm_card_chargeDeclined",
        "pm_card_chargeDeclinedInsufficientFunds",
    }


def test_authorizing_an_order_again_returns_its_payment_without_a_second_charge(payments, order_id):
    first = payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    again = payments.authorize(
        order_id=order_id, amount=Money(9900, "EUR"), payment_method="pm_card_mastercard"
    )

    assert again == first
    assert len(provider_calls("authorize")) == 1
    assert len(published("payments.payment_authorized")) == 1


def test_the_provider_sees_a_key_derived_from_the_order_and_operation(payments, order_id):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    payments.capture(order_id=order_id)
    payments.refund(order_id=order_id, amount_minor=500)
    payments.refund(order_id=order_id, amount_minor=500)

    assert [call.idempotency_key for call in provider_calls()] == [
        f"order-{order_id}-authorize",
        f"order-{order_id}-capture",
        f"order-{order_id}-refund-1",
        f"order-{order_id}-refund-2",
    ]


@payments_db
def test_the_payments_of_many_orders_are_read_in_one_call(payments, django_assert_num_queries):
    paid, declined, unpaid = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    payments.authorize(order_id=paid, amount=EUR_25, payment_method="pm_card_visa")
    payments.authorize(order_id=declined, amount=EUR_25, payment_method="pm_card_chargeDeclined")

    with django_assert_num_queries(1, using="payments"):
        found = payments.get_many(order_ids=[paid, declined, unpaid])

    assert found == {paid: payments.get(order_id=paid), declined: payments.get(order_id=declined)}
