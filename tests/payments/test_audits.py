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
