"""Subscribers to other apps' events."""

from __future__ import annotations

from contracts.payments import PaymentFailedAfterAuthorization, PaymentRefunded
from shop.orders import operations
from shop.platform.events import subscriber


@subscriber(PaymentFailedAfterAuthorization)
def cancel_order_whose_payment_failed(event: PaymentFailedAfterAuthorization) -> None:
    """A confirmed order whose money will not come is cancelled and its stock released.

    Raises ``OrderBusy`` while the order is being placed, so delivery retries later.
    """
    operations.cancel_after_payment_failure(order_id=event.order_id, reason=event.reason)


@subscriber(PaymentRefunded)
def refund_order_refunded_at_provider(event: PaymentRefunded) -> None:
    """A shipped order whose payment was refunded in full (at the provider) ends ``refunded``.

    A partial refund changes no status; the order's own refund makes this a no-op.
    Raises ``OrderBusy`` while another driver holds the order, so delivery retries later.
    """
    operations.refund_after_provider_refund(
        order_id=event.order_id,
        refunded_total_minor=event.refunded_total_minor,
        currency=event.amount.currency,
    )
