"""What the consistency audit checks of payments: amounts that say what the status says."""

import uuid

from shop.payments.audits import amounts_agree_with_status
from shop.payments.models import Payment

from .conftest import EUR_25, payments_db

pytestmark = payments_db


def test_a_payment_whose_amounts_contradict_its_status_is_reported(payments, order_id):
    captured, contradicting = uuid.uuid4(), order_id
    for order in (captured, contradicting):
        payments.authorize(order_id=order, amount=EUR_25, payment_method="pm_card_visa")
    payments.capture(order_id=captured)
    # Captured money while the status still says authorized: one of them is wrong.
    Payment.objects.filter(order_id=contradicting).update(captured_minor=2500)
    steps = []

    found = list(amounts_agree_with_status(lambda done, total: steps.append((done, total))))

    assert found == [
        (
            f"payment of order {contradicting} (authorized)",
            "2500 authorized, 2500 captured, 0 refunded",
        )
    ]
    assert steps == [(1, 1)]


def test_a_partial_refund_that_is_whole_or_nothing_and_a_voided_capture_are_reported(payments):
    refunded_whole, refunded_nothing, voided = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for order in (refunded_whole, refunded_nothing, voided):
        payments.authorize(order_id=order, amount=EUR_25, payment_method="pm_card_visa")
    for order in (refunded_whole, refunded_nothing):
        payments.capture(order_id=order)
        payments.refund(order_id=order, amount_minor=1000)
    payments.void(order_id=voided)
    # Each status now contradicts the amounts: a partial refund of all or of nothing,
    # a voided authorization that took money.
    Payment.objects.filter(order_id=refunded_whole).update(refunded_minor=2500)
    Payment.objects.filter(order_id=refunded_nothing).update(refunded_minor=0)
    Payment.objects.filter(order_id=voided).update(captured_minor=2500)

    found = list(amounts_agree_with_status(lambda done, total: None))

    assert found == [
        (
            f"payment of order {refunded_whole} (partially_refunded)",
            "2500 authorized, 2500 captured, 2500 refunded",
        ),
        (
            f"payment of order {refunded_nothing} (partially_refunded)",
            "2500 authorized, 2500 captured, 0 refunded",
        ),
        (f"payment of order {voided} (voided)", "2500 authorized, 2500 captured, 0 refunded"),
    ]


def test_payments_whose_amounts_say_what_their_status_says_are_not_reported(payments):
    partially, voided = uuid.uuid4(), uuid.uuid4()
    for order in (partially, voided):
        payments.authorize(order_id=order, amount=EUR_25, payment_method="pm_card_visa")
    payments.capture(order_id=partially)
    payments.refund(order_id=partially, amount_minor=1000)
    payments.void(order_id=voided)

    assert list(amounts_agree_with_status(lambda done, total: None)) == []
