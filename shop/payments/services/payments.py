"""The payment use cases: authorize, capture, void and refund one order's payment.

Each is idempotent per order: repeating a call returns the stored result, and
concurrent calls end with one provider operation (see ``calls``).
"""

from __future__ import annotations

from uuid import UUID

from contracts.common import Money
from contracts.payments import (
    InvalidPaymentState,
    PaymentStatus,
    RefundExceedsCapture,
    UnsupportedPaymentMethod,
)
from shop.payments import selectors
from shop.payments.models import Operation, Payment
from shop.payments.providers import get_provider
from shop.payments.services.calls import Call, idempotency_key, run

CAPTURED_STATES = {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}


def supported_payment_methods() -> frozenset[str]:
    return get_provider().supported_payment_methods()


def authorize_payment(*, order_id: UUID, amount: Money, payment_method: str) -> Payment:
    """Authorize ``amount`` for the order at the provider, or return the order's payment.

    A second call for the same order (whatever its arguments) returns the first
    payment; it never authorizes twice. Raises ``UnsupportedPaymentMethod`` before
    anything is stored, and ``PaymentProviderUnavailable`` when the provider did not
    answer (the payment is then ``unresolved``).
    """
    if amount.amount_minor <= 0:
        raise ValueError("A payment amount must be positive.")
    provider = get_provider()
    if payment_method not in provider.supported_payment_methods():
        raise UnsupportedPaymentMethod(payment_method)

    def create() -> Payment:
        return Payment(
            order_id=order_id,
            amount_minor=amount.amount_minor,
            currency=amount.currency,
            payment_method=payment_method,
            provider=provider.name,
            status=PaymentStatus.UNRESOLVED,
        )

    def plan(payment: Payment) -> Call | None:
        if payment.pk is None:
            return Call(idempotency_key(order_id, Operation.AUTHORIZE), amount.amount_minor)
        return None

    return run(order_id=order_id, operation=Operation.AUTHORIZE, plan=plan, create=create)


def capture_payment(*, order_id: UUID) -> Payment:
    """Capture the whole authorized amount; a captured payment is returned as it is."""

    def plan(payment: Payment) -> Call | None:
        if payment.status in CAPTURED_STATES:
            return None
        if payment.status != PaymentStatus.AUTHORIZED:
            raise InvalidPaymentState(order_id, PaymentStatus(payment.status), Operation.CAPTURE)
        return Call(idempotency_key(order_id, Operation.CAPTURE), payment.amount_minor)

    return run(order_id=order_id, operation=Operation.CAPTURE, plan=plan)


def void_payment(*, order_id: UUID) -> Payment | None:
    """Cancel the authorization; ``None`` when the order has no payment.

    A payment that holds no money (declined, failed, voided) is returned as it is;
    one already captured raises ``InvalidPaymentState`` (refund it instead).
    """
    if selectors.payment_for_order(order_id=order_id) is None:
        return None

    def plan(payment: Payment) -> Call | None:
        if payment.status in {PaymentStatus.VOIDED, PaymentStatus.DECLINED, PaymentStatus.FAILED}:
            return None
        if payment.status != PaymentStatus.AUTHORIZED:
            raise InvalidPaymentState(order_id, PaymentStatus(payment.status), Operation.VOID)
        return Call(idempotency_key(order_id, Operation.VOID))

    return run(order_id=order_id, operation=Operation.VOID, plan=plan)


def refund_payment(*, order_id: UUID, amount_minor: int | None = None) -> Payment:
    """Refund ``amount_minor`` of the captured amount, or all that is left when ``None``.

    Raises ``RefundExceedsCapture`` and changes nothing when asked for more than is
    refundable. A full refund of a refunded payment returns it as it is; each partial
    refund is a new refund with its own idempotency key.
    """
    if amount_minor is not None and amount_minor <= 0:
        raise ValueError("A refund amount must be positive.")

    def plan(payment: Payment) -> Call | None:
        if payment.status == PaymentStatus.REFUNDED and amount_minor is None:
            return None
        if payment.status not in CAPTURED_STATES:
            raise InvalidPaymentState(order_id, PaymentStatus(payment.status), Operation.REFUND)
        requested = payment.refundable_minor if amount_minor is None else amount_minor
        if requested > payment.refundable_minor or requested == 0:
            raise RefundExceedsCapture(order_id, requested, payment.refundable_minor)
        sequence = payment.refunds_requested + 1
        return Call(idempotency_key(order_id, Operation.REFUND, sequence), requested)

    return run(order_id=order_id, operation=Operation.REFUND, plan=plan)
