"""Read-only queries over the payments app's tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from contracts.common import HistoryEntry
from contracts.currencies import money_text
from contracts.payments import PaymentStatus
from shop.payments import conf
from shop.payments.models import InteractionOutcome, Payment, ProviderInteraction
from shop.platform.events.history import published_about_order


def payment_for_order(*, order_id: UUID) -> Payment | None:
    return Payment.objects.filter(order_id=order_id).first()


def payments_for_orders(*, order_ids: Iterable[UUID]) -> QuerySet[Payment]:
    return Payment.objects.filter(order_id__in=list(order_ids))


def unanswered_payments() -> QuerySet[Payment]:
    """Payments whose last provider call went unanswered long enough ago to ask about it."""
    now = timezone.now()
    return (
        Payment.objects.exclude(pending_operation="")
        .filter(pending_since__lte=now - conf.resolve_after())
        .filter(Q(in_flight_until__isnull=True) | Q(in_flight_until__lte=now))
        .order_by("pending_since")
    )


def order_ids_with_status(*, statuses: Sequence[str], limit: int) -> list[UUID]:
    """Orders whose payment is in one of ``statuses``, newest payment first."""
    return list(
        Payment.objects.filter(status__in=list(statuses))
        .order_by("-created_at")
        .values_list("order_id", flat=True)[:limit]
    )


def payment_history(*, order_id: UUID) -> list[HistoryEntry]:
    """The order's provider calls (the ledger) and the events payments published about it."""
    calls = ProviderInteraction.objects.filter(payment__order_id=order_id).select_related("payment")
    entries = [_ledger_entry(call) for call in calls]
    entries.extend(published_about_order("payments", order_id=order_id))
    return sorted(entries, key=lambda entry: entry.at)


def _ledger_entry(call: ProviderInteraction) -> HistoryEntry:
    payment = call.payment
    amount = call.response.get("amount") if isinstance(call.response, dict) else None
    if not isinstance(amount, int):
        amount = payment.amount_minor
    what = f"Asked {payment.provider} to {call.operation}"
    if call.operation != "lookup":
        what += f" {money_text(amount, payment.currency)}"
    outcome = str(call.outcome)
    if call.outcome != InteractionOutcome.SUCCEEDED and call.reason:
        outcome += f": {call.reason}"
    elif call.answered_at is None:
        outcome = "no answer yet"
    return HistoryEntry(
        at=call.requested_at, app="payments", what=what, outcome=outcome, event_id=""
    )


def payments_whose_amounts_contradict_their_status() -> QuerySet[Payment]:
    """Payments whose captured or refunded amount is not what their status says."""
    return Payment.objects.filter(
        Q(status=PaymentStatus.AUTHORIZED, captured_minor__gt=0)
        | Q(status=PaymentStatus.CAPTURED, captured_minor=0)
        | Q(status=PaymentStatus.CAPTURED, refunded_minor__gt=0)
        | Q(status=PaymentStatus.REFUNDED, refunded_minor__lt=F("captured_minor"))
        | Q(status=PaymentStatus.REFUNDED, captured_minor=0)
        # A partial refund gave back some of the captured money, not none and not all.
        | Q(status=PaymentStatus.PARTIALLY_REFUNDED, refunded_minor=0)
        | Q(status=PaymentStatus.PARTIALLY_REFUNDED, refunded_minor__gte=F("captured_minor"))
        # A void cancels an authorization before any money is taken.
        | Q(status=PaymentStatus.VOIDED, captured_minor__gt=0)
    ).order_by("created_at")
