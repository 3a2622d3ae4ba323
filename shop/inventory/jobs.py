"""Periodic jobs of inventory, run by the worker."""

from __future__ import annotations

from datetime import timedelta

from shop.inventory import services
from shop.platform.schedule import periodic_job

MAX_BATCHES_PER_RUN = 10


@periodic_job(name="inventory.release_expired_reservations", every=timedelta(minutes=1))
def release_expired_reservations() -> int:
    """Release reservations past their expiry, up to ten batches a run; returns how many."""
    released = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        handled = services.release_expired_reservations()
        released += handled
        if not handled:
            break
    return released
