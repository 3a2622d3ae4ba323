"""Settling payments whose provider call went unanswered, by asking the provider."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from shop.payments import conf, selectors
from shop.payments.models import Operation, Payment
from shop.payments.providers import get_provider
from shop.payments.providers.base import ProviderUnavailable
from shop.payments.services.calls import DB, claim_of_pending, record_answer, record_unanswered

logger = logging.getLogger(__name__)


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
    settled = 0
    for payment in _claim_batch(limit):
        resolution = _resolve(payment)
        settled += resolution.settled
        if progress is not None:
            progress(resolution)
    return settled


def _claim_batch(limit: int) -> list[Payment]:
    with transaction.atomic(using=DB):
        batch = list(selectors.unanswered_payments().select_for_update(skip_locked=True)[:limit])
        lease_end = timezone.now() + conf.in_flight_lease()
        Payment.objects.filter(pk__in=[p.pk for p in batch]).update(in_flight_until=lease_end)
        return batch


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
