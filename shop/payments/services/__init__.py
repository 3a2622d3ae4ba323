"""Use cases that change payments state; transaction boundaries live here."""

from shop.payments.services.payments import (
    authorize_payment,
    capture_payment,
    refund_payment,
    supported_payment_methods,
    void_payment,
)
from shop.payments.services.resolution import Resolution, resolve_unanswered_payments
from shop.payments.services.webhooks import (
    InvalidSignature,
    UnknownPayment,
    UnknownProvider,
    WebhookOutcome,
    receive_webhook,
    sign,
    verify_signature,
)

__all__ = [
    "InvalidSignature",
    "Resolution",
    "UnknownPayment",
    "UnknownProvider",
    "WebhookOutcome",
    "authorize_payment",
    "capture_payment",
    "receive_webhook",
    "refund_payment",
    "resolve_unanswered_payments",
    "sign",
    "supported_payment_methods",
    "verify_signature",
    "void_payment",
]
