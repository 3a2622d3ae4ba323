"""Read-only queries over the payments app's tables."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from contracts.payments import PaymentStatus
from shop.payments import conf
from shop.payments.models import Payment


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


def payments_whose_amounts_contradict_their_status() -> QuerySet[Payment]:
    """Payments whose captured or refunded amount is not what their status says."""
    return Payment.objects.filter(
        Q(status=PaymentStatus.AUTHORIZED, captured_minor__gt=0)
        | Q(status=PaymentStatus.CAPTURED, captured_minor=0)
        | Q(status=PaymentStatus.CAPTURED, refunded_minor__gt=0)
        | Q(status=PaymentStatus.REFUNDED, refunded_minor__lt=F("captured_minor"))
        | Q(status=PaymentStatus.REFUNDED, captured_minor=0)
    ).order_by("created_at")
