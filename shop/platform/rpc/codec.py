"""Contract values to protobuf messages and back, driven by the wire schema.

Exact round trips: UUIDs as their canonical string, datetimes as Timestamps (read
back in UTC, to the microsecond), timedeltas as Durations, enums by their position
(1-based; 0 is "unspecified"), money as its minor units and code, tuples and
frozensets as repeated fields, ``None`` as an absent optional field.
"""

from __future__ import annotations

import functools
import importlib
from datetime import UTC
from enum import Enum
from types import ModuleType
from typing import Any, cast
from uuid import UUID

from google.protobuf.message import Message

from shop.platform.rpc.schema import (
    ContractSchema,
    ErrorSpec,
    FieldSpec,
    MethodSpec,
    WireType,
    message_fields,
)


@functools.cache
def generated_module(schema: ContractSchema) -> ModuleType:
    """The compiled protobuf module of a contract (``generated/inventory_pb2.py``)."""
    return importlib.import_module(f"shop.platform.rpc.generated.{schema.key}_pb2")


def message_class(schema: ContractSchema, name: str) -> type[Message]:
    return getattr(generated_module(schema), name)


def encode_request(schema: ContractSchema, method: MethodSpec, kwargs: dict[str, Any]) -> Message:
    """The request message of ``method`` called with ``kwargs`` (defaults filled in)."""
    bound = method.signature.bind(None, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(method.signature.parameters)))  # self
    request = message_class(schema, method.request_name)()
    fill(request, method.params, arguments)
    return request


def decode_request(method: MethodSpec, request: Message) -> dict[str, Any]:
    return read(request, method.params)


def encode_response(schema: ContractSchema, method: MethodSpec, result: Any) -> Message:
    response = message_class(schema, method.response_name)()
    fill(response, (method.result,), {"result": result})
    return response


def decode_response(method: MethodSpec, response: Message) -> Any:
    return read(response, (method.result,))["result"]


def encode_error(schema: ContractSchema, error: ErrorSpec, exc: Exception) -> bytes:
    message = message_class(schema, error.name)()
    fill(message, error.fields, {field.name: getattr(exc, field.name) for field in error.fields})
    return message.SerializeToString()


def decode_error(schema: ContractSchema, error: ErrorSpec, payload: bytes) -> Exception:
    """The contract exception, built again from the fields its constructor takes."""
    message = message_class(schema, error.name).FromString(payload)
    return error.cls(**read(message, error.fields))


def fill(message: Message, fields: tuple[FieldSpec, ...], values: dict[str, Any]) -> None:
    for field in fields:
        value = values[field.name]
        if field.shape == "optional" and value is None:
            continue
        if field.shape == "repeated":
            target = getattr(message, field.name)
            for item in value:
                _append(target, field.type, item)
        elif field.shape == "map":
            assert field.key is not None
            target = getattr(message, field.name)
            for key, item in value.items():
                wire_key = str(key) if field.key.kind == "uuid" else key
                if field.type.kind in ("message", "datetime", "duration"):
                    _fill_value(target[wire_key], field.type, item)
                else:
                    target[wire_key] = _scalar_to_wire(field.type, item)
        elif field.type.kind in ("message", "datetime", "duration"):
            _fill_value(getattr(message, field.name), field.type, value)
        else:
            setattr(message, field.name, _scalar_to_wire(field.type, value))


def read(message: Message, fields: tuple[FieldSpec, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in fields:
        if field.shape == "optional" and not message.HasField(field.name):
            values[field.name] = None
        elif field.shape == "repeated":
            items = getattr(message, field.name)
            values[field.name] = field.container(_from_wire(field.type, item) for item in items)
        elif field.shape == "map":
            assert field.key is not None
            key_type = field.key
            values[field.name] = {
                (UUID(key) if key_type.kind == "uuid" else key): _from_wire(field.type, item)
                for key, item in getattr(message, field.name).items()
            }
        else:
            values[field.name] = _from_wire(field.type, getattr(message, field.name))
    return values


def _append(target: Any, wire: WireType, item: Any) -> None:
    if wire.kind in ("message", "datetime", "duration"):
        _fill_value(target.add(), wire, item)
    else:
        target.append(_scalar_to_wire(wire, item))


def _fill_value(target: Message, wire: WireType, value: Any) -> None:
    if wire.kind == "datetime":
        target.FromDatetime(value)
    elif wire.kind == "duration":
        target.FromTimedelta(value)
    else:
        fields = message_fields(wire.python)
        fill(target, fields, {field.name: getattr(value, field.name) for field in fields})
        target.SetInParent()  # present even when every field holds its default


def _scalar_to_wire(wire: WireType, value: Any) -> Any:
    if wire.kind == "uuid":
        return str(value)
    if wire.kind == "enum":
        enum_cls = cast(type[Enum], wire.python)
        return _enum_numbers(enum_cls)[enum_cls(value)]
    return value


def _from_wire(wire: WireType, value: Any) -> Any:
    if wire.kind == "uuid":
        return UUID(value)
    if wire.kind == "enum":
        members = list(cast(type[Enum], wire.python))
        if not 1 <= value <= len(members):
            # 0 is proto3's unset; a larger number is a member this side does not know.
            raise ValueError(f"{wire.python.__name__} has no member numbered {value}")
        return members[value - 1]
    if wire.kind == "datetime":
        return value.ToDatetime(tzinfo=UTC)
    if wire.kind == "duration":
        return value.ToTimedelta()
    if wire.kind == "message":
        return wire.python(**read(value, message_fields(wire.python)))
    return value


@functools.cache
def _enum_numbers(enum_cls: type[Enum]) -> dict[Any, int]:
    return {member: number for number, member in enumerate(enum_cls, start=1)}
