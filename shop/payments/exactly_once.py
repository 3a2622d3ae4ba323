"""Calling the provider exactly once per operation, with no lock held while it runs.

Every provider operation of the services follows the same three steps:

1. **Claim** (short transaction, row locked): decide from the payment's state whether a
   provider call is needed; if so, record it as pending and in flight, with its
   deterministic idempotency key, and commit.
2. **Call** the provider outside any transaction, with that key.
3. **Record** (short transaction, row locked): append the ledger row, apply the answer,
   clear the pending call and publish the event, all in one commit.

A caller that finds another call in flight on the same payment waits for it (polling,
up to ``PAYMENTS_WAIT_FOR_IN_FLIGHT_SECONDS``) and then decides again from the settled
state, so concurrent duplicates end with the first caller's result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from contracts.common import Money
from contracts.payments import (
    InvalidPaymentState,
    PaymentAuthorized,
    PaymentCaptured,
    PaymentDeclined,
    PaymentFailedAfterAuthorization,
    PaymentNotFound,
    PaymentProviderUnavailable,
    PaymentRefunded,
    PaymentStatus,
    PaymentVoided,
)
from shop.payments import conf
from shop.payments.counters import count_payment
from shop.payments.models import InteractionOutcome, Operation, Payment, ProviderInteraction
from shop.payments.providers import get_provider
from shop.payments.providers.base import ProviderResult, ProviderTimeout
from shop.platform.events import publish
from shop.platform.rows import insert, select, update_fields

DB = "payments"
POLL_SECONDS = 0.05
NO_ANSWER_REASON = "no_answer_from_provider"


# What a claim writes on an existing payment, and what applying an answer may change;
# the order, amount and method of a payment never change after it is created.
PENDING_FIELDS = (
    "pending_operation",
    "pending_key",
    "pending_amount_minor",
    "pending_since",
    "in_flight_until",
    "updated_at",
)
SETTLED_FIELDS = (
    *PENDING_FIELDS,
    "status",
    "provider_reference",
    "captured_minor",
    "refunded_minor",
    "refunds_requested",
    "decline_reason",
)


@dataclass(frozen=True)
class Call:
    """A provider call a use case needs: which key, for how much."""

    key: str
    amount_minor: int | None = None


@dataclass(frozen=True)
class Claim:
    payment_id: int
    order_id: UUID
    operation: Operation
    key: str
    amount: Money | None
    reference: str
    payment_method: str


# Decides, on the locked payment, what to do: a Call, or None to return it as it is.
Plan = Callable[[Payment], Call | None]
# Builds the row of a payment that does not exist yet (authorize only).
Create = Callable[[], Payment]


def idempotency_key(order_id: UUID, operation: str, sequence: int | None = None) -> str:
    """The key the provider sees: the same for every attempt at the same operation."""
    key = f"order-{order_id}-{operation}"
    return key if sequence is None else f"{key}-{sequence}"


def run(
    *, order_id: UUID, operation: Operation, plan: Plan, create: Create | None = None
) -> Payment:
    """Claim, call and record ``operation`` on the order's payment, exactly once."""
    deadline = time.monotonic() + conf.wait_for_in_flight()
    waited_for = ""
    # Most payments are created by their first call: try the INSERT before looking.
    first_call = create is not None
    claim: Claim | None
    while True:
        try:
            if first_call:
                assert create is not None
                claim, payment = _claim_new(operation, plan, create)
            else:
                claim, payment = _claim(order_id, operation, plan, create, waited_for)
        except IntegrityError:
            # The payment exists (a repeated call, or another caller was first):
            # decide again on its locked row.
            first_call = False
            continue
        if claim is not None:
            return _call_and_record(claim)
        if not payment.is_in_flight():
            return payment
        if time.monotonic() >= deadline:
            raise PaymentProviderUnavailable(order_id, operation)
        waited_for = payment.pending_key
        time.sleep(POLL_SECONDS)


def _claim_new(operation: Operation, plan: Plan, create: Create) -> tuple[Claim, Payment]:
    """Insert the payment with its call pending; the unique order id refuses a second one.

    One INSERT, committed on its own (no BEGIN and COMMIT around it): it is atomic as it
    stands, and outside a transaction its failure leaves nothing to roll back. Inside
    one, a savepoint keeps a refused INSERT from aborting the caller's transaction.
    """
    if connections[DB].in_atomic_block:
        with transaction.atomic(using=DB):
            return _create(operation, plan, create)
    return _create(operation, plan, create)


def _create(operation: Operation, plan: Plan, create: Create) -> tuple[Claim, Payment]:
    payment = create()
    call = plan(payment)
    assert call is not None
    _mark_pending(payment, operation, call)
    insert(payment, using=DB)
    return _claim_of(payment), payment


def _claim(
    order_id: UUID,
    operation: Operation,
    plan: Plan,
    create: Create | None,
    waited_for: str,
) -> tuple[Claim | None, Payment]:
    with transaction.atomic(using=DB):
        payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
        if payment is None:
            if create is None:
                raise PaymentNotFound(order_id)
            return _create(operation, plan, create)
        if payment.is_in_flight():
            return None, payment
        call: Call | None
        if payment.pending_operation:
            call = _retry_of_pending(payment, operation, waited_for)
        else:
            call = plan(payment)
        if call is None:
            return None, payment
        _mark_pending(payment, operation, call)
        update_fields(payment, PENDING_FIELDS, using=DB)
        return _claim_of(payment), payment


def _retry_of_pending(payment: Payment, operation: Operation, waited_for: str) -> Call:
    """An unanswered call is retried with its own key: the provider acts at most once."""
    if payment.pending_operation != operation:
        raise InvalidPaymentState(payment.order_id, PaymentStatus.UNRESOLVED, operation)
    if payment.pending_key == waited_for:
        # This caller joined that very attempt, which went unanswered: so does this call.
        raise PaymentProviderUnavailable(payment.order_id, operation)
    return Call(payment.pending_key, payment.pending_amount_minor)


def _mark_pending(payment: Payment, operation: Operation, call: Call) -> None:
    now = timezone.now()
    payment.pending_operation = operation
    payment.pending_key = call.key
    payment.pending_amount_minor = call.amount_minor
    payment.pending_since = now
    payment.in_flight_until = now + conf.in_flight_lease()


def _claim_of(payment: Payment) -> Claim:
    amount = payment.pending_amount_minor
    return Claim(
        payment_id=payment.pk,
        order_id=payment.order_id,
        operation=Operation(payment.pending_operation),
        key=payment.pending_key,
        amount=None if amount is None else Money(amount, payment.currency),
        reference=payment.provider_reference,
        payment_method=payment.payment_method,
    )


def claim_of_pending(payment: Payment) -> Claim:
    """The pending call of ``payment`` (already marked in flight by the resolver)."""
    return _claim_of(payment)


def _call_and_record(claim: Claim) -> Payment:
    if connections[DB].in_atomic_block:
        raise RuntimeError("A provider call must not run inside a transaction on payments.")
    provider = get_provider()
    requested_at = timezone.now()
    try:
        match claim.operation:
            case Operation.AUTHORIZE:
                assert claim.amount is not None
                result = provider.authorize(
                    idempotency_key=claim.key,
                    amount=claim.amount,
                    payment_method=claim.payment_method,
                )
            case Operation.CAPTURE:
                assert claim.amount is not None
                result = provider.capture(
                    idempotency_key=claim.key, reference=claim.reference, amount=claim.amount
                )
            case Operation.VOID:
                result = provider.void(idempotency_key=claim.key, reference=claim.reference)
            case Operation.REFUND:
                assert claim.amount is not None
                result = provider.refund(
                    idempotency_key=claim.key, reference=claim.reference, amount=claim.amount
                )
            case _:
                raise ValueError(f"not a provider call: {claim.operation}")
    except Exception as exc:
        record_unanswered(claim, exc, requested_at=requested_at, operation=claim.operation)
        raise PaymentProviderUnavailable(claim.order_id, claim.operation) from exc
    return record_answer(claim, result, requested_at=requested_at, operation=claim.operation)


def record_unanswered(
    claim: Claim, exc: Exception, *, requested_at: datetime, operation: Operation
) -> Payment:
    """The call went unanswered: the payment is ``unresolved`` until the resolver asks."""
    timed_out = isinstance(exc, ProviderTimeout)
    outcome = InteractionOutcome.TIMEOUT if timed_out else InteractionOutcome.ERROR
    with transaction.atomic(using=DB):
        payment = _locked(claim.payment_id)
        _append_ledger(payment, operation, claim.key, outcome, str(exc), {}, requested_at, None)
        transaction.on_commit(lambda: count_payment("no_answer"), using=DB)
        if payment.pending_key == claim.key:
            payment.status = PaymentStatus.UNRESOLVED
            payment.in_flight_until = None
            payment.save(using=DB, update_fields=["status", "in_flight_until", "updated_at"])
        return payment


def record_answer(
    claim: Claim, result: ProviderResult | None, *, requested_at: datetime, operation: Operation
) -> Payment:
    """Apply the provider's answer to the pending call; ``None`` means it never got it."""
    with transaction.atomic(using=DB):
        payment = _locked(claim.payment_id)
        outcome: str
        if result is None:
            outcome, reason, response = InteractionOutcome.NOT_FOUND, "", {}
        else:
            outcome, reason, response = result.outcome, result.reason, result.response
        _append_ledger(
            payment, operation, claim.key, outcome, reason, response, requested_at, timezone.now()
        )
        if payment.pending_key != claim.key:
            return payment  # settled meanwhile by another caller with the same key
        if result is None:
            _apply_never_received(payment, claim)
        elif result.succeeded:
            _apply_success(payment, claim, result)
        else:
            _apply_decline(payment, claim, result)
        metric_outcome = _metric_outcome(claim.operation, result)
        transaction.on_commit(lambda: count_payment(metric_outcome), using=DB)
        payment.pending_operation = ""
        payment.pending_key = ""
        payment.pending_amount_minor = None
        payment.pending_since = None
        payment.in_flight_until = None
        update_fields(payment, SETTLED_FIELDS, using=DB)
        return payment


_SUCCEEDED = {
    Operation.AUTHORIZE: "authorized",
    Operation.CAPTURE: "captured",
    Operation.VOID: "voided",
    Operation.REFUND: "refunded",
}


def _metric_outcome(operation: Operation, result: ProviderResult | None) -> str:
    """The label of ``shop_payments_total``: what the provider's answer meant."""
    if result is None:
        return "unanswered"
    if result.succeeded:
        return _SUCCEEDED[operation]
    return "declined" if operation == Operation.AUTHORIZE else f"{operation}_failed"


def _apply_success(payment: Payment, claim: Claim, result: ProviderResult) -> None:
    money = Money(payment.amount_minor, payment.currency)
    match claim.operation:
        case Operation.AUTHORIZE:
            payment.status = PaymentStatus.AUTHORIZED
            payment.provider_reference = result.reference
            publish(PaymentAuthorized(order_id=payment.order_id, amount=money))
        case Operation.CAPTURE:
            payment.status = PaymentStatus.CAPTURED
            payment.captured_minor = payment.amount_minor
            publish(PaymentCaptured(order_id=payment.order_id, amount=money))
        case Operation.VOID:
            payment.status = PaymentStatus.VOIDED
            publish(PaymentVoided(order_id=payment.order_id))
        case Operation.REFUND:
            assert claim.amount is not None
            payment.refunded_minor += claim.amount.amount_minor
            payment.refunds_requested += 1
            payment.status = payment.settled_status()
            publish(
                PaymentRefunded(
                    order_id=payment.order_id,
                    amount=claim.amount,
                    refunded_total_minor=payment.refunded_minor,
                )
            )


def _apply_decline(payment: Payment, claim: Claim, result: ProviderResult) -> None:
    payment.decline_reason = result.reason
    match claim.operation:
        case Operation.AUTHORIZE:
            payment.status = PaymentStatus.DECLINED
            publish(PaymentDeclined(order_id=payment.order_id, reason=result.reason))
        case Operation.CAPTURE:
            # The authorization is gone (expired, withdrawn): the money will not come.
            payment.status = PaymentStatus.FAILED
            publish(
                PaymentFailedAfterAuthorization(order_id=payment.order_id, reason=result.reason)
            )
        case Operation.REFUND:
            # The key is spent on the provider's side: the next refund needs a new one.
            payment.refunds_requested += 1
            payment.status = payment.settled_status()
        case _:
            payment.status = payment.settled_status()


def _apply_never_received(payment: Payment, claim: Claim) -> None:
    if claim.operation == Operation.AUTHORIZE:
        # Nothing was reserved; for the order this is a payment that did not go through.
        payment.status = PaymentStatus.FAILED
        payment.decline_reason = NO_ANSWER_REASON
        publish(PaymentDeclined(order_id=payment.order_id, reason=NO_ANSWER_REASON))
    else:
        payment.status = payment.settled_status()


def _locked(payment_id: int) -> Payment:
    """The payment, its row locked until the transaction ends."""
    return select(Payment, {"id": payment_id}, using=DB, for_update=True)[0]


def _append_ledger(
    payment: Payment,
    operation: Operation,
    key: str,
    outcome: str,
    reason: str,
    response: dict,
    requested_at: datetime,
    answered_at: datetime | None,
) -> None:
    # Append-only: a new row, so ProviderInteraction.save's guard has nothing to refuse.
    ledger_row = ProviderInteraction(
        payment=payment,
        operation=operation,
        idempotency_key=key,
        outcome=outcome,
        reason=reason,
        response=response,
        requested_at=requested_at,
        answered_at=answered_at,
    )
    insert(ledger_row, using=DB)
