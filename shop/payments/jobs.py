"""Periodic jobs of payments."""

from datetime import timedelta

from shop.payments import services
from shop.platform.schedule import periodic_job


@periodic_job(name="payments.resolve_unanswered_payments", every=timedelta(minutes=1))
def resolve_unanswered_payments() -> int:
    """Settle payments whose provider call went unanswered."""
    return services.resolve_unanswered_payments()
