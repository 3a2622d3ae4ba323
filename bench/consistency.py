"""After a load run: do orders, reservations and payments tell one story? (shop settings)

    python -m bench.consistency --since 2026-11-30T21:00:00+00:00

Reads the three apps' databases (a check of the bench, so it reads their tables
directly) and prints one JSON object: orders by status, and every problem found:

- an order still ``pending`` once the run is over (waits up to ``--settle`` seconds);
- a confirmed order without its held reservation (same lines) or its authorized
  payment (same amount): sold without stock, or shipped unpaid later;
- an order that did not go through with stock still reserved or money authorized;
- a reservation or payment of an order that does not exist;
- a SKU whose reserved count is not the sum of its held reservations' lines.

Exits 1 when there is a problem, so the bench reports it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import django

CHUNK = 10_000


def chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def audit(since: datetime, settle_seconds: float) -> dict[str, Any]:
    from django.db.models import Count, Sum

    from shop.inventory.models import Reservation, ReservationLine, Stock
    from shop.orders.models import Order, OrderLine
    from shop.payments.models import Payment

    orders = Order.objects.filter(created_at__gte=since)
    deadline = time.monotonic() + settle_seconds
    while orders.filter(status="pending").exists() and time.monotonic() < deadline:
        time.sleep(1)
    problems: list[str] = []
    statuses = Counter(dict(orders.values_list("status").annotate(n=Count("id"))))
    if statuses.get("pending"):
        problems.append(f"{statuses['pending']} orders still pending")

    placed = {o.id: o for o in orders.only("id", "status", "total_minor", "currency")}
    ids = list(placed)
    order_lines: dict[Any, set[tuple[str, int]]] = defaultdict(set)
    reservations: dict[Any, Reservation] = {}
    reserved_lines: dict[Any, set[tuple[str, int]]] = defaultdict(set)
    payments: dict[Any, Payment] = {}
    for part in chunks(ids):
        for order_id, sku, quantity in OrderLine.objects.filter(order_id__in=part).values_list(
            "order_id", "sku", "quantity"
        ):
            order_lines[order_id].add((sku, quantity))
        for reservation in Reservation.objects.filter(order_id__in=part):
            reservations[reservation.order_id] = reservation
        for order_id, sku, quantity in ReservationLine.objects.filter(
            reservation__order_id__in=part
        ).values_list("reservation__order_id", "sku", "quantity"):
            reserved_lines[order_id].add((sku, quantity))
        for payment in Payment.objects.filter(order_id__in=part):
            payments[payment.order_id] = payment

    for order_id, order in placed.items():
        reservation, payment = reservations.get(order_id), payments.get(order_id)
        if order.status == "confirmed":
            if reservation is None or reservation.state != "reserved":
                problems.append(f"confirmed order {order_id} holds no stock")
            elif reserved_lines[order_id] != order_lines[order_id]:
                problems.append(f"confirmed order {order_id} holds other lines than it has")
            if payment is None or payment.status != "authorized":
                problems.append(f"confirmed order {order_id} has no authorized payment")
            elif (payment.amount_minor, payment.currency) != (order.total_minor, order.currency):
                problems.append(f"confirmed order {order_id} authorized another amount")
        elif order.status in {"rejected", "payment_failed"}:
            if reservation is not None and reservation.state == "reserved":
                problems.append(f"{order.status} order {order_id} still holds stock")
            if payment is not None and payment.status in {"authorized", "captured"}:
                problems.append(f"{order.status} order {order_id} has money taken")

    window = since - timedelta(seconds=5)
    for model, name in ((Reservation, "reservation"), (Payment, "payment")):
        recent = model.objects.filter(created_at__gte=window)
        theirs = set(recent.values_list("order_id", flat=True))
        known: set[Any] = set()
        for part in chunks(list(theirs)):
            known |= set(Order.objects.filter(id__in=part).values_list("id", flat=True))
        if orphans := theirs - known:
            problems.append(f"{len(orphans)} {name}s of orders that do not exist")

    held = dict(
        ReservationLine.objects.filter(reservation__state="reserved")
        .values_list("sku")
        .annotate(total=Sum("quantity"))
    )
    for sku, reserved, on_hand in Stock.objects.values_list("product__sku", "reserved", "on_hand"):
        if reserved != held.get(sku, 0):
            problems.append(f"{sku}: {reserved} reserved, held reservations say {held.get(sku, 0)}")
        if reserved > on_hand:
            problems.append(f"{sku}: more reserved than on hand")
    return {"orders": dict(statuses), "checked": len(placed), "problems": problems[:50]}


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", required=True, type=datetime.fromisoformat)
    parser.add_argument("--settle", type=float, default=60.0, help="longest wait for pending")
    options = parser.parse_args(list(argv) if argv is not None else None)
    django.setup()
    found = audit(options.since, options.settle)
    json.dump(found, sys.stdout)
    print()
    return 1 if found["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
