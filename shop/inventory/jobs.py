"""Periodic jobs of inventory, run by the worker."""

from __future__ import annotations

from datetime import timedelta

from shop.inventory import services
from shop.platform.schedule import periodic_job


@periodic_job(name="inventory.release_expired_reservations", every=timedelta(minutes=1))
def release_expired_reservations() -> int:
    """Release every reservation past its expiry, batch by batch; returns how many."""
    released = 0
    while handled := services.release_expired_reservations():
        released += handled
    return released
