"""Contract dataclasses to JSON-safe payloads and back, with validation on decode."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any
from uuid import UUID


class PayloadError(ValueError):
    """A payload does not match the event's declared fields."""


def encode(value: Any) -> Any:
    """A JSON-safe form of a contract value (dataclasses, enums, UUIDs, datetimes)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # A naive time means different instants to producer and consumer.
            raise PayloadError(f"{value!r} has no time zone")
        return value.isoformat()
    if isinstance(value, tuple | list | frozenset | set):
        return [encode(item) for item in value]
    return value


def decode[T](cls: type[T], data: Any) -> T:
    """Rebuild a ``cls`` dataclass from ``encode``'s output; raises ``PayloadError``."""
    return _decode(cls, data, cls.__name__)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, data: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        arguments = typing.get_args(tp)
        if data is None and type(None) in arguments:
            return None
        for argument in arguments:
            if argument is type(None):
                continue
            try:
                return _decode(argument, data, where)
            except PayloadError:
                continue
        raise PayloadError(f"{where}: {data!r} matches none of {tp}")
    if origin in (tuple, frozenset, list):
        if not isinstance(data, list):
            raise PayloadError(f"{where}: expected a list")
        item_type = typing.get_args(tp)[0]
        items = [_decode(item_type, item, f"{where}[{i}]") for i, item in enumerate(data)]
        return origin(items)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise PayloadError(f"{where}: expected an object")
        hints = _hints(tp)
        fields = [f for f in dataclasses.fields(tp) if f.init]
        missing = [f.name for f in fields if f.name not in data]
        if missing:
            raise PayloadError(f"{where}: missing {', '.join(missing)}")
        kwargs = {f.name: _decode(hints[f.name], data[f.name], f"{where}.{f.name}") for f in fields}
        try:
            return tp(**kwargs)
        except (TypeError, ValueError) as exc:
            raise PayloadError(f"{where}: {exc}") from exc
    try:
        if isinstance(tp, type) and issubclass(tp, Enum):
            return tp(data)
        if tp is UUID:
            return UUID(data)
        if tp is datetime:
            moment = datetime.fromisoformat(data)
            if moment.tzinfo is None:
                raise ValueError(f"{data!r} has no time zone")
            return moment
    except (TypeError, ValueError, AttributeError) as exc:
        raise PayloadError(f"{where}: {exc}") from exc
    if tp in (int, str, bool, float):
        if type(data) is not tp:
            raise PayloadError(f"{where}: expected {tp.__name__}, got {type(data).__name__}")
        return data
    if tp is Any:
        return data
    raise PayloadError(f"{where}: cannot decode type {tp!r}")
