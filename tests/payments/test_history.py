"""What payments tells others about an order's payment story, through its contract."""

import uuid

from contracts.payments import PaymentStatus

from .conftest import EUR_25, payments_db

pytestmark = payments_db


def test_the_history_tells_each_provider_call_and_published_event_in_order(payments, order_id):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    payments.capture(order_id=order_id)
    payments.refund(order_id=order_id, amount_minor=1000)

    history = payments.payment_history(order_id=order_id)

    told = [(entry.what, entry.outcome) for entry in history]
    assert told[0] == ("Asked simulated to authorize 25.00 EUR", "succeeded")
    assert ("Asked simulated to capture 25.00 EUR", "succeeded") in told
    assert ("Asked simulated to refund 10.00 EUR", "succeeded") in told
    events = [entry for entry in history if entry.event_id]
    assert [entry.what for entry in events] == [
        "Payment authorized: 25.00 EUR",
        "Payment captured: 25.00 EUR",
        "Payment refunded: 10.00 EUR",
    ]
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)
    assert payments.payment_history(order_id=uuid.uuid4()) == ()


def test_a_declined_call_says_why(payments, order_id):
    payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_chargeDeclined")

    (call,) = [e for e in payments.payment_history(order_id=order_id) if not e.event_id]

    assert call.outcome == "declined: card_declined"


def test_orders_are_found_by_payment_status_newest_first(payments):
    first, second, declined = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for order_id in (first, second):
        payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")
    payments.authorize(order_id=declined, amount=EUR_25, payment_method="pm_card_chargeDeclined")

    authorized = payments.order_ids_with_status(statuses=[PaymentStatus.AUTHORIZED], limit=10)
    either = payments.order_ids_with_status(
        statuses=[PaymentStatus.AUTHORIZED, PaymentStatus.DECLINED], limit=2
    )

    assert authorized == [second, first]
    assert either == [declined, second]
