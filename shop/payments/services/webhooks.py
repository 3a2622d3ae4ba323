"""Provider webhooks: verifying the signature and applying each event once.

The signature is HMAC-SHA256 with ``PAYMENTS_WEBHOOK_SECRET`` over
``"<timestamp>.<body>"``, sent as ``Shop-Signature: t=<unix>,v1=<hex>`` (several ``v1``
while a secret is rotated). Timestamps more than five minutes away are refused, so a
captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from enum import StrEnum

from django.db import IntegrityError, transaction

from contracts.common import Money
from contracts.payments import PaymentFailedAfterAuthorization, PaymentRefunded, PaymentStatus
from shop.payments import conf
from shop.payments.models import Payment, ReceivedProviderEvent
from shop.payments.providers import get_provider
from shop.payments.providers.base import (
    InvalidProviderEvent,
    PaymentProvider,
    ProviderEvent,
    ProviderEventType,
)
from shop.payments.services.calls import DB
from shop.platform.events import publish


class InvalidSignature(ValueError):
    """The request is not signed by someone holding the webhook secret, or is stale."""


class UnknownProvider(LookupError):
    pass


class UnknownPayment(LookupError):
    """The event names a charge this app does not know (yet): the provider retries."""


class WebhookOutcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"
    REPLAYED = "replayed"


def sign(body: bytes, *, secret: str, timestamp: int) -> str:
    """The ``Shop-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(body, secret, str(timestamp))}"


def verify_signature(body: bytes, header: str, *, secret: str, now: float | None = None) -> None:
    """Raise ``InvalidSignature`` unless ``header`` signs ``body`` recently with ``secret``."""
    timestamp, signatures = "", []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not timestamp.isdigit() or not signatures:
        raise InvalidSignature("Shop-Signature must read t=<unix>,v1=<hex>.")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > conf.WEBHOOK_TOLERANCE.total_seconds():
        raise InvalidSignature("The signature timestamp is outside the 5-minute tolerance.")
    expected = _digest(body, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("The signature does not match the body.")


def _digest(body: bytes, secret: str, timestamp: str) -> str:
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def receive_webhook(*, provider_name: str, body: bytes, signature: str) -> WebhookOutcome:
    """Verify and apply one webhook delivery; a replayed event changes nothing.

    Raises ``UnknownProvider``, ``InvalidSignature``, ``InvalidProviderEvent`` (all
    before anything is stored) and ``UnknownPayment``.
    """
    provider = get_provider()
    if provider_name != provider.name:
        raise UnknownProvider(provider_name)
    verify_signature(body, signature, secret=conf.webhook_secret())
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise InvalidProviderEvent(f"The body is not JSON: {exc}") from exc
    event = provider.parse_event(payload)
    return _apply(provider, event, payload)


def _apply(provider: PaymentProvider, event: ProviderEvent, payload: dict) -> WebhookOutcome:
    received = ReceivedProviderEvent.objects.filter(provider=provider.name, event_id=event.event_id)
    try:
        with transaction.atomic(using=DB):
            payment = (
                Payment.objects.select_for_update()
                .filter(provider=provider.name, provider_reference=event.reference)
                .first()
            )
            if payment is None:
                raise UnknownPayment(event.reference)
            # Deliveries of one event queue on the payment's lock, so this sees the first.
            if received.exists():
                return WebhookOutcome.REPLAYED
            outcome, note = _apply_to_payment(payment, event)
            ReceivedProviderEvent.objects.create(
                provider=provider.name,
                event_id=event.event_id,
                type=str(payload.get("type", "")),
                payload=payload,
                outcome=outcome,
                note=note,
            )
    except IntegrityError:
        if received.exists():
            return WebhookOutcome.REPLAYED
        raise
    return WebhookOutcome(outcome)


def _apply_to_payment(payment: Payment, event: ProviderEvent) -> tuple[str, str]:
    """Apply ``event`` to the locked ``payment`` and publish; the outcome and a note."""
    applied, ignored = ReceivedProviderEvent.Outcome.APPLIED, ReceivedProviderEvent.Outcome.IGNORED
    match event.type:
        case ProviderEventType.PAYMENT_FAILED:
            if payment.status not in {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED}:
                return ignored, f"payment is {payment.status}"
            payment.status = PaymentStatus.FAILED
            payment.decline_reason = event.reason
            payment.save(using=DB)
            publish(PaymentFailedAfterAuthorization(order_id=payment.order_id, reason=event.reason))
            return applied, ""
        case ProviderEventType.REFUNDED:
            amount = event.amount_minor or payment.refundable_minor
            if amount == 0 or amount > payment.refundable_minor:
                return ignored, f"refund of {amount} exceeds {payment.refundable_minor} refundable"
            payment.refunded_minor += amount
            payment.status = payment.settled_status()
            payment.save(using=DB)
            publish(
                PaymentRefunded(
                    order_id=payment.order_id,
                    amount=Money(amount, payment.currency),
                    refunded_total_minor=payment.refunded_minor,
                )
            )
            return applied, ""
        case _:
            return ignored, "event type not acted on"
