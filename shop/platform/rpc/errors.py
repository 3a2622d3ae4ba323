"""Contract errors across the wire: raised by a facade, raised again by the client.

A contract error (``InsufficientStock``, ``PaymentNotFound``, ...) travels as status
``FAILED_PRECONDITION`` with its class name in the trailing metadata ``shop-error``
and its fields, as the error's message of the contract's ``.proto``, in
``shop-error-bin``. ``ServiceUnavailable`` raised by the serving app, or its database
not answering (``DATABASE_DOES_NOT_ANSWER``, as the in-process binding judges it),
travels as ``UNAVAILABLE`` with ``shop-retry-after``. Anything else the serving app
raises (another database error included: a bug) is ``INTERNAL``, raised by the client
as ``RemoteCallFailed``: not retried, not counted against the circuit.
"""

from __future__ import annotations

from typing import Any, NoReturn

import grpc

from contracts.common import ServiceUnavailable
from shop.platform.rpc.codec import decode_error, encode_error
from shop.platform.rpc.schema import ContractSchema

ERROR_CLASS_KEY = "shop-error"
ERROR_FIELDS_KEY = "shop-error-bin"
RETRY_AFTER_KEY = "shop-retry-after"


class RemoteCallFailed(RuntimeError):
    """The service failed in a way the contract does not describe (a bug, over there)."""


def abort_with(context: grpc.ServicerContext, schema: ContractSchema, exc: Exception) -> NoReturn:
    """End the call with ``exc`` for the client to raise again; other errors propagate."""
    if isinstance(exc, ServiceUnavailable):
        context.set_trailing_metadata(((RETRY_AFTER_KEY, str(exc.retry_after)),))
        context.abort(grpc.StatusCode.UNAVAILABLE, exc.reason or str(exc))
    error = schema.error(type(exc).__name__)
    if error is None or error.cls is not type(exc):
        raise exc
    context.set_trailing_metadata(
        ((ERROR_CLASS_KEY, error.name), (ERROR_FIELDS_KEY, encode_error(schema, error, exc)))
    )
    context.abort(grpc.StatusCode.FAILED_PRECONDITION, str(exc))
    raise AssertionError("grpc's context.abort() returned")  # it always raises


def is_contract_error(schema: ContractSchema, exc: BaseException) -> bool:
    error = schema.error(type(exc).__name__)
    return error is not None and error.cls is type(exc)


def contract_error_from(schema: ContractSchema, failure: grpc.RpcError) -> Exception | None:
    """The contract exception a failed call carries, if it carries one."""
    trailers = _trailers(failure)
    name = trailers.get(ERROR_CLASS_KEY)
    payload = trailers.get(ERROR_FIELDS_KEY)
    if not isinstance(name, str) or not isinstance(payload, bytes):
        return None
    error = schema.error(name)
    if error is None:
        return RemoteCallFailed(f"{schema.service_name} raised {name}, unknown to this contract")
    return decode_error(schema, error, payload)


def retry_after_from(failure: grpc.RpcError) -> int | None:
    """The server's own ``Retry-After`` hint, when it answered ServiceUnavailable."""
    value = _trailers(failure).get(RETRY_AFTER_KEY)
    try:
        return int(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _trailers(failure: grpc.RpcError) -> dict[str, Any]:
    trailing = getattr(failure, "trailing_metadata", None)
    return dict(trailing() or ()) if callable(trailing) else {}
