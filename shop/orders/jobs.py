"""Periodic jobs of the orders app, run by the worker."""

from __future__ import annotations

from datetime import timedelta

from shop.orders import idempotency, reconciliation
from shop.platform.schedule import periodic_job


@periodic_job(name="orders.reconcile", every=timedelta(seconds=30))
def reconcile_stuck_orders() -> int:
    """Settle orders stuck ``pending`` or abandoned mid-operation."""
    return sum(reconciliation.reconcile_orders().values())


@periodic_job(name="orders.purge_idempotency_keys", every=timedelta(hours=1))
def purge_idempotency_keys() -> int:
    """Forget idempotency keys past their expiry."""
    return idempotency.purge_expired_keys()
