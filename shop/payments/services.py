"""Use cases that change payments state; transaction boundaries live here.

Authorize, capture, void and refund are idempotent per order: repeating a call returns
the stored result, and concurrent calls end with one provider operation (see
``exactly_once``). Unanswered calls are settled by the resolver; provider webhooks are
verified and applied once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.common import Money
from contracts.payments import (
    InvalidPaymentState,
    PaymentFailedAfterAuthorization,
    PaymentRefunded,
    PaymentStatus,
    RefundExceedsCapture,
    UnsupportedPaymentMethod,
)
from shop.payments import conf, selectors
from shop.payments.exactly_once import (
    DB,
    Call,
    claim_of_pending,
    idempotency_key,
    record_answer,
    record_unanswered,
    run,
)
from shop.payments.models import Operation, Payment, ReceivedProviderEvent
from shop.payments.providers import get_provider
from shop.payments.providers.base import (
    InvalidProviderEvent,
    PaymentProvider,
    ProviderEvent,
    ProviderEventType,
    ProviderUnavailable,
)
from shop.payments.signatures import verify_signature
from shop.platform.events import publish

logger = logging.getLogger(__name__)


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


# Unanswered calls


@dataclass(frozen=True)
class Resolution:
    payment: Payment
    settled: bool


def resolve_unanswered_payments(
    *, limit: int = 100, progress: Callable[[Resolution], None] | None = None
) -> int:
    """Ask the provider about up to ``limit`` unanswered calls and settle them.

    The provider is asked by the call's idempotency key: what it did is recorded as if
    it had answered at the time; a request it never received settles an authorization
    as ``failed`` and returns any other operation to the payment's previous state. A
    provider that still does not answer leaves the payment for the next pass. Safe to
    run in several workers at once. Returns how many payments were settled.
    """
    settled, seen = 0, set[int]()
    while len(seen) < limit and (payment := _claim_next(exclude=seen)) is not None:
        seen.add(payment.pk)
        resolution = _resolve(payment)
        settled += resolution.settled
        if progress is not None:
            progress(resolution)
    return settled


def _claim_next(*, exclude: set[int]) -> Payment | None:
    """Lease one unanswered payment right before asking about it.

    One at a time: a lease taken for a whole batch could run out while a slow provider
    answers about the first ones, and a client's retry of the same call would then
    race the lookup of the last.
    """
    with transaction.atomic(using=DB):
        payment = (
            selectors.unanswered_payments()
            .exclude(pk__in=exclude)
            .select_for_update(skip_locked=True)
            .first()
        )
        if payment is not None:
            payment.in_flight_until = timezone.now() + conf.in_flight_lease()
            payment.save(using=DB, update_fields=["in_flight_until"])
        return payment


def _resolve(payment: Payment) -> Resolution:
    claim = claim_of_pending(payment)
    requested_at = timezone.now()
    try:
        result = get_provider().lookup(idempotency_key=claim.key)
    except ProviderUnavailable as exc:
        logger.warning("provider still not answering about %s: %s", claim.key, exc)
        record_unanswered(claim, exc, requested_at=requested_at, operation=Operation.LOOKUP)
        return Resolution(payment=payment, settled=False)
    payment = record_answer(claim, result, requested_at=requested_at, operation=Operation.LOOKUP)
    return Resolution(payment=payment, settled=True)


# Provider webhooks


class UnknownProvider(LookupError):
    """The webhook names a provider this deployment does not use."""


class UnknownPayment(LookupError):
    """The event names a charge this app does not know (yet): the provider retries."""


class WebhookOutcome(StrEnum):
    APPLIED = "applied"
    IGNORED = "ignored"
    REPLAYED = "replayed"


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
