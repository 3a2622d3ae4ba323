"""Payment outcomes are counted for the decline-spike alert."""

import uuid

import pytest
from prometheus_client import REGISTRY

from contracts.payments import PaymentProviderUnavailable

from .conftest import EUR_25, payments_db


def payments_counted(outcome: str) -> float:
    return REGISTRY.get_sample_value("shop_payments_total", {"outcome": outcome}) or 0.0


@payments_db
def test_authorizations_and_declines_are_counted_by_outcome(payments, order_id):
    authorized, declined = payments_counted("authorized"), payments_counted("declined")

    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    payments.authorize(
        order_id=uuid.uuid4(), amount=EUR_25, payment_method="pm_card_chargeDeclined"
    )
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")  # replay

    assert payments_counted("authorized") == authorized + 1
    assert payments_counted("declined") == declined + 1


@payments_db
def test_an_unanswered_call_is_counted(payments, order_id, simulator):
    simulator(authorize="timeout_before")
    before = payments_counted("no_answer")

    with pytest.raises(PaymentProviderUnavailable):
        payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")

    assert payments_counted("no_answer") == before + 1
