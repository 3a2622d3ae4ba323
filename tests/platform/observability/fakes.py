"""Stand-ins for the inventory and payments apps that do real SQL on their own database."""

import logging
from datetime import UTC, datetime, timedelta

from django.db import connections

from contracts.inventory import InsufficientStock, Reservation, ReservationState
from contracts.payments import Payment, PaymentStatus

logger = logging.getLogger(__name__)


class SqlInventory:
    def reserve(self, *, order_id, lines, ttl=None):
        logger.info("reserving stock for %s", order_id)
        with connections["inventory"].cursor() as cursor:
            cursor.execute("SELECT %s::int", [len(lines)])
        return Reservation(
            order_id=order_id,
            state=ReservationState.RESERVED,
            lines=tuple(lines),
            expires_at=datetime.now(UTC) + timedelta(minutes=15),
        )


class SoldOutInventory:
    def reserve(self, *, order_id, lines, ttl=None):
        with connections["inventory"].cursor() as cursor:
            cursor.execute("SELECT 0")
        raise InsufficientStock([line.sku for line in lines])


class SqlPayments:
    def authorize(self, *, order_id, amount, payment_method):
        with connections["payments"].cursor() as cursor:
            cursor.execute("SELECT %s::bigint", [amount.amount_minor])
        return Payment(
            order_id=order_id,
            status=PaymentStatus.AUTHORIZED,
            amount=amount,
            captured_minor=0,
            refunded_minor=0,
            provider="fake",
            provider_reference=f"fake-{order_id}",
            decline_reason=None,
        )
