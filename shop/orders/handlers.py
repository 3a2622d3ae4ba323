"""Subscribers to other apps' events."""

from __future__ import annotations

from contracts.payments import PaymentFailedAfterAuthorization
from shop.orders import operations
from shop.platform.events import subscriber


@subscriber(PaymentFailedAfterAuthorization)
def cancel_order_whose_payment_failed(event: PaymentFailedAfterAuthorization) -> None:
    """A confirmed order whose money will not come is cancelled and its stock released.

    Raises ``OrderBusy`` while the order is being placed, so delivery retries later.
    """
    operations.cancel_after_payment_failure(order_id=event.order_id, reason=event.reason)
