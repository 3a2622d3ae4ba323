"""Test-only events and subscribers, shared by the tests and by worker subprocesses.

``ParcelPacked`` stands for any domain event: it names its producer (inventory)
instead of living in a contract module. Its subscribers record their effect in a
table of their own app's database, in the same transaction as the inbox row, so a
test can count effects per event and see any applied twice.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from django.db import connections

from contracts.common import DomainEvent
from shop.platform.domains import app_database_aliases
from shop.platform.events import subscriber

EFFECTS_TABLE = "events_test_effect"
DELAY_VARIABLE = "EVENTS_TEST_HANDLER_DELAY"


@dataclass(frozen=True, kw_only=True)
class ParcelPacked(DomainEvent):
    name: ClassVar[str] = "testing.parcel_packed"
    producer: ClassVar[str] = "inventory"
    key_field: ClassVar[str] = "parcel_id"
    parcel_id: UUID
    weight_grams: int


def record_effect(app: str, parcel_id: UUID) -> None:
    with connections[app].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {EFFECTS_TABLE} (subscriber, parcel_id, pid) VALUES (%s, %s, %s)",
            [app, parcel_id, os.getpid()],
        )
    # A slow handler keeps its transaction open, so a kill lands mid-effect.
    time.sleep(float(os.environ.get(DELAY_VARIABLE, "0")))


def record_in_inventory(event: ParcelPacked) -> None:
    record_effect("inventory", event.parcel_id)


def record_in_orders(event: ParcelPacked) -> None:
    record_effect("orders", event.parcel_id)


def record_in_payments(event: ParcelPacked) -> None:
    record_effect("payments", event.parcel_id)


RECORDERS = {
    "inventory": record_in_inventory,
    "orders": record_in_orders,
    "payments": record_in_payments,
}


def subscribe_recorders() -> None:
    """Subscribe a recorder in every app database, the producer's own included."""
    for app, handler in RECORDERS.items():
        subscriber(ParcelPacked, app=app)(handler)


def create_effects_tables() -> None:
    for alias in app_database_aliases():
        with connections[alias].cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {EFFECTS_TABLE} ("
                " id bigserial PRIMARY KEY, subscriber varchar(50) NOT NULL,"
                " parcel_id uuid NOT NULL, pid integer NOT NULL)"
            )
            cursor.execute(f"TRUNCATE {EFFECTS_TABLE}")


def effects(app: str) -> list[tuple[UUID, int]]:
    """``(parcel_id, pid)`` of every effect applied in ``app``'s database."""
    with connections[app].cursor() as cursor:
        cursor.execute(f"SELECT parcel_id, pid FROM {EFFECTS_TABLE} ORDER BY id")
        return list(cursor.fetchall())
