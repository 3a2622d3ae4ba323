"""Read-only queries over the orders app's tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from contracts.common import HistoryEntry, ServiceUnavailable
from contracts.currencies import money_text
from contracts.inventory import InventoryService, Reservation
from contracts.orders import OrderStatus
from contracts.payments import Payment, PaymentsService, PaymentStatus
from shop.orders.conf import pending_deadline
from shop.orders.models import Operation, Order
from shop.platform.bindings import bound
from shop.platform.events.history import published_about_order

DB = "orders"


def order_get(*, order_id: UUID) -> Order | None:
    """The order with its lines, or ``None``."""
    return Order.objects.prefetch_related("lines").filter(pk=order_id).first()


def order_of_customer(*, order_id: UUID, customer_id: int) -> Order | None:
    """The order if it belongs to ``customer_id``; someone else's is ``None`` too."""
    return (
        Order.objects.prefetch_related("lines").filter(pk=order_id, customer_id=customer_id).first()
    )


def orders_of_customer(*, customer_id: int) -> QuerySet[Order]:
    return Order.objects.filter(customer_id=customer_id).prefetch_related("lines")


def payment_of(*, order_id: UUID) -> Payment | None:
    """The order's payment as payments reports it."""
    return bound(PaymentsService).get(order_id=order_id)


def payments_of(*, order_ids: Sequence[UUID]) -> dict[UUID, Payment]:
    """The payments of these orders, in one call to payments."""
    return bound(PaymentsService).get_many(order_ids=order_ids) if order_ids else {}


def orders_needing_reconciliation(*, now: datetime, pending_before: datetime) -> QuerySet[Order]:
    """Orders stuck ``pending`` past the deadline, or left mid-operation by a dead driver."""
    lease_free = Q(driven_until__isnull=True) | Q(driven_until__lt=now)
    stuck_pending = Q(status=OrderStatus.PENDING, created_at__lt=pending_before)
    abandoned = ~Q(operation=Operation.NONE) & ~Q(status=OrderStatus.PENDING)
    return Order.objects.filter(lease_free & (stuck_pending | abandoned)).order_by("created_at")


def oldest_pending_created_at() -> datetime | None:
    """When the oldest order still ``pending`` was created, if any is."""
    return (
        Order.objects.filter(status=OrderStatus.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def pending_past_deadline(*, now: datetime) -> QuerySet[Order]:
    """Orders still ``pending`` past the deadline: the reconciler settles them."""
    return Order.objects.filter(status=OrderStatus.PENDING, created_at__lt=now - pending_deadline())


def order_ids_with_payment_status(*, statuses: Sequence[PaymentStatus], limit: int) -> list[UUID]:
    """Orders whose payment is in one of ``statuses`` (asked of payments), newest first."""
    return bound(PaymentsService).order_ids_with_status(statuses=statuses, limit=limit)


def order_timeline(order: Order) -> list[HistoryEntry]:
    """What happened to the order across the apps, newest first.

    Told from each app's published events (orders' own outbox; inventory's and
    payments' through their contracts) and the payment provider ledger.
    """
    entries = [
        HistoryEntry(
            at=order.created_at,
            app="orders",
            what=f"Order placed for {money_text(order.total_minor, order.currency)}",
            outcome=f"paying by {order.payment_method}",
        )
    ]
    entries.extend(published_about_order(DB, order_id=order.id))
    for app, history in (
        ("inventory", bound(InventoryService).reservation_history),
        ("payments", bound(PaymentsService).payment_history),
    ):
        try:
            entries.extend(history(order_id=order.id))
        except ServiceUnavailable:
            # The story is told without that app, and says so at its top.
            entries.append(
                HistoryEntry(
                    at=timezone.now(),
                    app=app,
                    what=f"What {app} did is not shown",
                    outcome=f"{app} cannot be reached right now",
                )
            )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def reservation_of(*, order_id: UUID) -> Reservation | None:
    """The order's stock reservation as inventory reports it."""
    return bound(InventoryService).get_reservation(order_id=order_id)


def orders_in_pages(*, page_size: int = 500) -> Iterator[list[Order]]:
    """Every order, oldest first, a page at a time (keyset pages: no OFFSET)."""
    page = list(Order.objects.order_by("created_at", "pk")[:page_size])
    while page:
        yield page
        last = page[-1]
        page = list(
            Order.objects.filter(
                Q(created_at__gt=last.created_at) | Q(created_at=last.created_at, pk__gt=last.pk)
            ).order_by("created_at", "pk")[:page_size]
        )
