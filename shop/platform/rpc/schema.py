"""The wire shape of a contract, read from its Protocol, dataclasses, enums and errors.

One walk over the type hints feeds both the ``.proto`` generator and the codec, so
the two cannot disagree. Supported types are the ones the contracts use: ``int``,
``str``, ``bool``, ``UUID``, ``datetime``, ``timedelta``, ``StrEnum``s, frozen
dataclasses, ``X | None``, ``tuple[X, ...]``, ``list[X]``, ``Sequence[X]``, ``frozenset[X]`` and
``dict[str | UUID, X]``. Anything else is refused with the hint that names it.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import functools
import importlib
import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from contracts.common import is_idempotent

Kind = Literal["scalar", "uuid", "datetime", "duration", "enum", "message"]
Shape = Literal["single", "optional", "repeated", "map"]

SCALARS: dict[type, str] = {int: "int64", str: "string", bool: "bool"}


class UnsupportedType(TypeError):
    """A contract uses a type the wire format does not carry."""


@dataclass(frozen=True)
class WireType:
    kind: Kind
    python: type

    @property
    def proto_name(self) -> str:
        if self.kind == "scalar":
            return SCALARS[self.python]
        if self.kind == "uuid":
            return "string"
        if self.kind == "datetime":
            return "google.protobuf.Timestamp"
        if self.kind == "duration":
            return "google.protobuf.Duration"
        return self.python.__name__


@dataclass(frozen=True)
class FieldSpec:
    """One field of a message: its name, number, value type and shape."""

    name: str
    number: int
    type: WireType
    shape: Shape = "single"
    key: WireType | None = None
    # What a repeated field decodes to (tuple or frozenset).
    container: builtins.type = tuple


@dataclass(frozen=True)
class MethodSpec:
    """One Protocol method: its request fields and its ``result`` field."""

    name: str
    rpc_name: str
    params: tuple[FieldSpec, ...]
    result: FieldSpec
    idempotent: bool
    signature: inspect.Signature

    @property
    def request_name(self) -> str:
        return f"{self.rpc_name}Request"

    @property
    def response_name(self) -> str:
        return f"{self.rpc_name}Response"


@dataclass(frozen=True)
class ErrorSpec:
    """A contract exception and the fields its constructor takes (read back by name)."""

    cls: type[Exception]
    fields: tuple[FieldSpec, ...]

    @property
    def name(self) -> str:
        return self.cls.__name__


@dataclass(frozen=True)
class ContractSchema:
    """Everything the wire needs to know about one contract."""

    contract: type
    key: str  # "inventory": names the proto file, package and settings
    package: str  # "shop.inventory.v1"
    methods: tuple[MethodSpec, ...]
    messages: tuple[type, ...]  # dataclasses, by name
    enums: tuple[type[enum.Enum], ...]
    errors: tuple[ErrorSpec, ...]

    @property
    def service_name(self) -> str:
        return f"{self.package}.{self.contract.__name__}"

    def method(self, name: str) -> MethodSpec:
        return next(method for method in self.methods if method.name == name)

    def error(self, name: str) -> ErrorSpec | None:
        return next((error for error in self.errors if error.name == name), None)


def contract_key(contract: type) -> str:
    """``contracts.inventory.InventoryService`` -> ``inventory``."""
    return contract.__module__.removeprefix("contracts.").split(".", 1)[0]


@functools.cache
def contract_schema(contract: type) -> ContractSchema:
    """The wire schema of a contract Protocol, from its module's type hints."""
    from shop.platform.bindings import protocol_methods

    module = importlib.import_module(contract.__module__)
    key = contract_key(contract)
    methods = tuple(
        _method_spec(name, getattr(contract, name)) for name in protocol_methods(contract)
    )
    errors = tuple(_error_spec(cls) for cls in _contract_errors(module))
    reached: dict[type, None] = {}
    for method in methods:
        for spec in (*method.params, method.result):
            _reach(spec, reached)
    for error in errors:
        for spec in error.fields:
            _reach(spec, reached)
    by_name = sorted(reached, key=lambda cls: cls.__name__)
    return ContractSchema(
        contract=contract,
        key=key,
        package=f"shop.{key}.v1",
        methods=methods,
        messages=tuple(cls for cls in by_name if dataclasses.is_dataclass(cls)),
        enums=tuple(cls for cls in by_name if issubclass(cls, enum.Enum)),
        errors=errors,
    )


@functools.cache
def message_fields(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a contract dataclass, numbered in definition order."""
    hints = typing.get_type_hints(cls)
    return tuple(
        field_spec(field.name, number, hints[field.name])
        for number, field in enumerate(dataclasses.fields(cls), start=1)
    )


def field_spec(name: str, number: int, hint: Any) -> FieldSpec:
    """The wire field for a value of type ``hint``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) != 1 or len(args) != 2:
            raise UnsupportedType(f"{name}: only `X | None` unions are carried, not {hint}")
        inner = field_spec(name, number, present[0])
        if inner.shape != "single":
            raise UnsupportedType(f"{name}: a collection cannot also be None ({hint})")
        return dataclasses.replace(inner, shape="optional")
    if origin is tuple:
        if len(args) != 2 or args[1] is not Ellipsis:
            raise UnsupportedType(f"{name}: only `tuple[X, ...]` is carried, not {hint}")
        return FieldSpec(name, number, wire_type(args[0]), "repeated", container=tuple)
    if origin is list:
        return FieldSpec(name, number, wire_type(args[0]), "repeated", container=list)
    if origin is Sequence:
        return FieldSpec(name, number, wire_type(args[0]), "repeated", container=tuple)
    if origin is frozenset:
        return FieldSpec(name, number, wire_type(args[0]), "repeated", container=frozenset)
    if origin in (dict, Mapping):
        key = wire_type(args[0])
        if key.kind not in ("uuid", "scalar") or key.python is bool:
            raise UnsupportedType(f"{name}: map keys must be str, int or UUID ({hint})")
        return FieldSpec(name, number, wire_type(args[1]), "map", key=key, container=dict)
    return FieldSpec(name, number, wire_type(hint))


def wire_type(hint: Any) -> WireType:
    if not isinstance(hint, type):
        raise UnsupportedType(f"{hint!r} has no wire type")
    if hint in SCALARS:
        return WireType("scalar", hint)
    if hint is UUID:
        return WireType("uuid", hint)
    if hint is datetime:
        return WireType("datetime", hint)
    if hint is timedelta:
        return WireType("duration", hint)
    if issubclass(hint, enum.Enum):
        return WireType("enum", hint)
    if dataclasses.is_dataclass(hint):
        return WireType("message", hint)
    raise UnsupportedType(f"{hint.__qualname__} has no wire type")


def rpc_name(method: str) -> str:
    """``get_products`` -> ``GetProducts``."""
    return "".join(part.capitalize() for part in method.split("_"))


def _method_spec(name: str, method: Callable[..., Any]) -> MethodSpec:
    signature = inspect.signature(method)
    hints = typing.get_type_hints(method)
    params = []
    for number, parameter in enumerate(list(signature.parameters.values())[1:], start=1):
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise UnsupportedType(f"{name}({parameter.name}): contract arguments are keyword-only")
        params.append(field_spec(parameter.name, number, hints[parameter.name]))
    return MethodSpec(
        name=name,
        rpc_name=rpc_name(name),
        params=tuple(params),
        result=field_spec("result", 1, hints["return"]),
        idempotent=is_idempotent(method),
        signature=signature,
    )


def _contract_errors(module: types.ModuleType) -> list[type[Exception]]:
    """The exceptions a contract module defines that carry fields (not bare bases)."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__ == module.__name__
        and "__init__" in vars(value)
    ]


def _error_spec(cls: type[Exception]) -> ErrorSpec:
    signature = inspect.signature(cls.__init__)
    hints = typing.get_type_hints(cls.__init__)
    fields = tuple(
        field_spec(parameter.name, number, hints[parameter.name])
        for number, parameter in enumerate(list(signature.parameters.values())[1:], start=1)
    )
    return ErrorSpec(cls, fields)


def _reach(spec: FieldSpec, reached: dict[type, None]) -> None:
    for wire in (spec.type, spec.key):
        if wire is None or wire.python in reached:
            continue
        if wire.kind == "enum":
            reached[wire.python] = None
        elif wire.kind == "message":
            reached[wire.python] = None
            for field in message_fields(wire.python):
                _reach(field, reached)
