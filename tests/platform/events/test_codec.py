"""Every contract event survives encode → JSON → decode; bad payloads are refused."""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
import uuid
from datetime import UTC, datetime

import pytest

import contracts.inventory
import contracts.orders
import contracts.payments
from contracts.common import DomainEvent, Money
from contracts.inventory import StockLine, StockReserved
from contracts.orders import OrderConfirmed
from shop.platform.events.codec import PayloadError, decode, encode

CONTRACT_MODULES = (contracts.inventory, contracts.orders, contracts.payments)


def contract_events() -> list[type[DomainEvent]]:
    return sorted(
        (
            value
            for module in CONTRACT_MODULES
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, DomainEvent)
            and value.__module__ == module.__name__
        ),
        key=lambda cls: cls.name,
    )


def sample(tp: typing.Any) -> typing.Any:
    """A valid, non-trivial value of type ``tp`` (as the contracts declare them)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, type(int | None)):
        return sample(next(a for a in typing.get_args(tp) if a is not type(None)))
    if origin in (tuple, frozenset, list):
        return origin([sample(typing.get_args(tp)[0]), sample(typing.get_args(tp)[0])])
    if tp is Money:
        return Money(1250, "EUR")
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: sample(hints[f.name]) for f in dataclasses.fields(tp) if f.init})
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return list(tp)[-1]
    return {
        uuid.UUID: uuid.uuid4(),
        datetime: datetime(2026, 11, 25, 5, 30, 12, 345678, tzinfo=UTC),
        str: "Ünïcode & <text>",
        int: 42,
        bool: True,
    }[tp]


def test_every_contract_module_declares_events():
    producers = {cls.__module__ for cls in contract_events()}
    assert producers == {m.__name__ for m in CONTRACT_MODULES}


@pytest.mark.parametrize("event_type", contract_events(), ids=lambda cls: cls.name)
def test_every_contract_event_survives_a_json_round_trip(event_type):
    event = sample(event_type)

    wire = json.loads(json.dumps(encode(event)))

    assert decode(event_type, wire) == event


def reserved_payload() -> dict:
    event = StockReserved(
        order_id=uuid.uuid4(),
        lines=(StockLine(sku="TEA-1", quantity=2),),
        expires_at=datetime(2026, 11, 25, 6, 0, tzinfo=UTC),
    )
    return json.loads(json.dumps(encode(event)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("order_id"), "missing order_id"),
        (lambda p: p.update(order_id="not-a-uuid"), "order_id"),
        (lambda p: p.update(order_id=17), "order_id"),
        (lambda p: p.update(lines="TEA-1"), "expected a list"),
        (lambda p: p["lines"][0].update(quantity="2"), r"lines\[0\]\.quantity: expected int"),
        (lambda p: p["lines"][0].update(quantity=True), "expected int, got bool"),
        (lambda p: p["lines"][0].pop("sku"), "missing sku"),
        (lambda p: p.update(expires_at="2026-11-25T06:00:00"), "no time zone"),
        (lambda p: p.update(expires_at="tomorrow"), "expires_at"),
    ],
)
def test_an_invalid_payload_is_refused_with_the_field_named(change, message):
    payload = reserved_payload()
    change(payload)

    with pytest.raises(PayloadError, match=message):
        decode(StockReserved, payload)


def test_money_is_validated_on_decode():
    payload = encode(OrderConfirmed(order_id=uuid.uuid4(), customer_id=7, total=Money(999, "EUR")))
    payload["total"]["currency"] = "euro"
    with pytest.raises(PayloadError, match="ISO 4217"):
        decode(OrderConfirmed, payload)
    payload["total"] = {"amount_minor": 9.99, "currency": "EUR"}
    with pytest.raises(PayloadError, match="amount_minor"):
        decode(OrderConfirmed, payload)


def test_a_naive_time_is_refused_when_encoding():
    event = StockReserved(order_id=uuid.uuid4(), lines=(), expires_at=datetime(2026, 1, 1))
    with pytest.raises(PayloadError, match="no time zone"):
        encode(event)
