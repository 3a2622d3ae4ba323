"""What an app published about one order, read back from its outbox for people.

The outbox is the record of every fact an app published; an order's story in the
admin is told from it (and from the payments ledger), never from a table of its own.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from contracts.common import HistoryEntry
from contracts.currencies import money_text
from shop.platform.events.models import OutboxMessage


def published_about_order(alias: str, *, order_id: UUID) -> list[HistoryEntry]:
    """The events in ``alias``'s outbox whose payload names ``order_id``, oldest first."""
    messages = (
        OutboxMessage.objects.using(alias)
        .filter(payload__order_id=str(order_id))
        .order_by("occurred_at")
    )
    return [
        HistoryEntry(
            at=message.occurred_at,
            app=message.producer,
            what=describe(message.name, message.payload),
            outcome=delivery_outcome(message),
            event_id=str(message.event_id),
        )
        for message in messages
    ]


def describe(name: str, payload: dict[str, Any]) -> str:
    """``inventory.stock_reserved`` with its payload as a sentence: ``Stock reserved: 2 x SKU``."""
    title = name.partition(".")[2].replace("_", " ").capitalize() or name
    details = []
    if isinstance(payload.get("amount"), dict):
        details.append(encoded_money_text(payload["amount"]))
    if isinstance(payload.get("total"), dict):
        details.append(encoded_money_text(payload["total"]))
    lines = payload.get("lines")
    if isinstance(lines, list) and lines:
        details.append(", ".join(f"{line['quantity']} x {line['sku']}" for line in lines))
    if payload.get("reason"):
        details.append(f"reason: {payload['reason']}")
    if payload.get("short_skus"):
        details.append(f"short: {', '.join(payload['short_skus'])}")
    return f"{title}: {'; '.join(details)}" if details else title


def encoded_money_text(amount: dict[str, Any]) -> str:
    """An encoded ``Money`` as people read it: ``39.80 EUR``."""
    return money_text(int(amount.get("amount_minor", 0)), str(amount.get("currency", "")))


def delivery_outcome(message: OutboxMessage) -> str:
    """How the event's delivery to its subscribers went, in a few words."""
    if message.delivered_at is not None:
        return "delivered"
    if message.parked_at is not None:
        return f"parked after {message.attempts} failed deliveries: {message.last_error[:200]}"
    if message.attempts:
        return f"delivery failed {message.attempts} time(s), retrying: {message.last_error[:200]}"
    return "waiting for delivery"
