"""One driver at a time: the lease an order is moved under, and its status transitions.

Whoever moves an order through the other apps (the placing request, its retry, a
cancel/ship/refund, the reconciler) first claims the order with a conditional UPDATE,
then calls the bindings with no transaction open, then finishes with a second
conditional UPDATE that moves the status only if it still holds the lease and the
transition table allows the move. Two drivers can therefore never both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contracts.common import DomainEvent
from contracts.orders import OrderStatus
from contracts.payments import PaymentStatus
from shop.orders import conf
from shop.orders.counters import count_order
from shop.orders.errors import IllegalTransition, OrderBusy, OrderNotFound
from shop.orders.models import Operation, Order, OrderLine, can_transition, sources_of
from shop.platform.events import publish
from shop.platform.rows import update

DB = "orders"
# A payment in one of these holds no money.
PAYMENT_FAILURES = frozenset({PaymentStatus.DECLINED, PaymentStatus.FAILED, PaymentStatus.VOIDED})


@dataclass(frozen=True)
class Lease:
    order_id: UUID
    token: UUID
    operation: Operation


class LeaseLost(OrderBusy):
    """The driver ran past its lease and another one took the order over."""


def lease_is_free(now: datetime) -> Q:
    return Q(driven_until__isnull=True) | Q(driven_until__lt=now)


def new_lease_fields(operation: Operation, now: datetime) -> dict[str, Any]:
    return {
        "operation": operation,
        "driver_token": uuid.uuid4(),
        "driven_until": now + conf.driver_lease(),
    }


def claim(
    *, order_id: UUID, operation: Operation, target: OrderStatus, reason: str | None = None
) -> Lease:
    """Take the order's lease to move it towards ``target``.

    ``reason`` (why a cancel is made) is written with the lease, so that whoever
    finishes an operation cut short (the reconciler) still knows it.

    Raises ``OrderNotFound``, ``IllegalTransition`` when its status cannot reach
    ``target``, or ``OrderBusy`` while another driver holds it or another operation
    was left unfinished (the reconciler completes that one first: a cancel that
    voided the payment must not be forgotten because a ship was refused meanwhile).
    """
    now = timezone.now()
    fields = new_lease_fields(operation, now)
    if reason is not None:
        fields["reason"] = reason
    with transaction.atomic(using=DB):
        claimed = Order.objects.filter(
            lease_is_free(now),
            Q(operation=Operation.NONE) | Q(operation=operation),
            pk=order_id,
            status__in=sources_of(target),
        ).update(updated_at=now, **fields)
    if claimed:
        return Lease(order_id, fields["driver_token"], operation)
    order = Order.objects.filter(pk=order_id).only("status").first()
    if order is None:
        raise OrderNotFound(order_id)
    if not can_transition(order.status, target):
        raise IllegalTransition(order_id, order.status, target)
    raise OrderBusy(order_id)


def finish(
    lease: Lease,
    *,
    target: OrderStatus,
    events: Iterable[DomainEvent] = (),
    order: Order | None = None,
    **fields: Any,
) -> None:
    """Move the order to ``target`` and let go of it, publishing ``events`` with the change.

    ``order``, the lease holder's copy of the row, is given the written values, so it
    need not be read again. Raises ``LeaseLost`` (changing nothing) if the lease was
    taken over meanwhile.
    """
    changes = {
        "status": str(target),
        "operation": Operation.NONE,
        "driver_token": None,
        "driven_until": None,
        "updated_at": timezone.now(),
        **fields,
    }
    # Once or more per order: a statement built once per target (decision 0045).
    where = {"id": lease.order_id, "driver_token": lease.token, "status__in": sources_of(target)}
    with transaction.atomic(using=DB):
        moved = update(Order, changes, where=where, using=DB)
        if not moved:
            raise LeaseLost(lease.order_id)
        for event in events:
            publish(event)
        transaction.on_commit(lambda: count_order(str(target)), using=DB)
    if order is not None:
        # Nobody else writes the row while the lease is held, so it now matches this copy.
        for name, value in changes.items():
            setattr(order, name, value)


def let_go(lease: Lease, *, keep_operation: bool = False) -> None:
    """Give the lease back without changing the status.

    With ``keep_operation`` the work stays marked unfinished, for a retry or the
    reconciler to pick up.
    """
    fields: dict[str, Any] = {"driver_token": None, "driven_until": None}
    if not keep_operation:
        fields["operation"] = Operation.NONE
        if lease.operation == Operation.CANCEL:
            fields["reason"] = ""  # the cancel was refused: its reason explains nothing
    with transaction.atomic(using=DB):
        Order.objects.filter(pk=lease.order_id, driver_token=lease.token).update(**fields)


@contextmanager
def unfinished_on_error(lease: Lease) -> Iterator[None]:
    """On an unexpected error, give the lease back with the operation still marked.

    A retry or the reconciler then finishes it; a refusal that let go already is not
    undone (the lease's token no longer matches).
    """
    try:
        yield
    except BaseException:
        let_go(lease, keep_operation=True)
        raise


def reload(order_id: UUID) -> Order:
    return Order.objects.prefetch_related("lines").get(pk=order_id)


def with_lines(order: Order, lines: Iterable[OrderLine]) -> Order:
    """``order`` with ``lines`` in place of its prefetched lines, as ``reload`` returns it.

    For an order just created: its lines are known, so ``order.lines.all()`` need not
    query them.
    """
    prefetched = order.lines.all()
    prefetched._result_cache = list(lines)
    prefetched._prefetch_done = True  # type: ignore[attr-defined]
    order._prefetched_objects_cache = {"lines": prefetched}  # type: ignore[attr-defined]
    return order
