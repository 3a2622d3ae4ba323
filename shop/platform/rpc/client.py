"""The gRPC client of a contract: the same Protocol, implemented by calls to its service.

Each call has a deadline (``<APP>_SERVICE_DEADLINE_SECONDS``, the whole budget,
retries included). Only methods the contract marks ``@idempotent`` are retried, and
only when the service did not take the call (``UNAVAILABLE``): at most
``RPC_RETRY_ATTEMPTS`` attempts, exponential backoff with jitter. One circuit
breaker per target (pybreaker) counts calls that got no answer; once open, calls fail
at once until it lets a trial through.

The caller sees the contract's own results and errors, or ``ServiceUnavailable``
when no answer came: the service is unreachable, the deadline passed (for a call
that is not idempotent the outcome is then unknown, which is why the orders it
concerns stay ``pending`` for the reconciler), or the circuit is open.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import grpc
import pybreaker
import stamina
from django.conf import settings
from django.utils.module_loading import import_string
from opentelemetry.instrumentation.grpc import client_interceptor, intercept_channel

from contracts.common import ServiceUnavailable
from shop.platform.rpc import conf
from shop.platform.rpc.codec import decode_response, encode_request, message_class
from shop.platform.rpc.errors import RemoteCallFailed, contract_error_from, retry_after_from
from shop.platform.rpc.metrics import RPC_CLIENT_ATTEMPT_DURATION, RPC_CLIENT_REFUSALS
from shop.platform.rpc.schema import ContractSchema, MethodSpec, contract_schema
from shop.platform.telemetry.logging import current_request_id

logger = logging.getLogger(__name__)

REQUEST_ID_KEY = "x-request-id"
Metadata = tuple[tuple[str, str], ...]

# A service that restarts is reached again within a second or two, not after gRPC's
# default reconnect backoff of up to two minutes.
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
    ("grpc.keepalive_time_ms", 30000),
)

NO_ANSWER = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


class NoAnswer(Exception):
    """One attempt got no answer from the service; counted by the circuit breaker."""

    def __init__(self, code: grpc.StatusCode, detail: str, retry_after: int | None) -> None:
        self.code, self.detail, self.retry_after = code, detail, retry_after
        super().__init__(f"{code.name}: {detail}")


def _not_a_failure_of_the_target(exc: BaseException) -> bool:
    return not isinstance(exc, NoAnswer)


_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(target: str) -> pybreaker.CircuitBreaker:
    """The circuit breaker of one target (``host:port``), shared by its contracts."""
    with _breakers_lock:
        breaker = _breakers.get(target)
        if breaker is None:
            breaker = pybreaker.CircuitBreaker(
                fail_max=getattr(settings, "RPC_CIRCUIT_FAILURES", conf.DEFAULT_CIRCUIT_FAILURES),
                reset_timeout=getattr(
                    settings, "RPC_CIRCUIT_RESET_SECONDS", conf.DEFAULT_CIRCUIT_RESET_SECONDS
                ),
                exclude=[_not_a_failure_of_the_target],
                name=target,
                # The call that trips the circuit reports its own failure.
                throw_new_error_on_trip=False,
            )
            _breakers[target] = breaker
        return breaker


def forget_breakers() -> None:
    """Close every circuit (tests; a settings change)."""
    with _breakers_lock:
        _breakers.clear()


class RemoteService:
    """Base of the contract clients (``clients.py``): one subclass per contract.

    Bound in ``SHOP_BINDINGS`` when ``<APP>_SERVICE_URL`` is set; every contract method
    exists on the class, so the binding checks hold it to its Protocol.
    """

    contract_path: ClassVar[str]
    schema: ClassVar[ContractSchema]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.schema = contract_schema(import_string(cls.contract_path))
        for method in cls.schema.methods:
            setattr(cls, method.name, _remote_method(method))

    def __init__(self, url: str | None = None) -> None:
        setting = conf.url_setting(self.contract_path)
        url = url or getattr(settings, setting, "")
        if not url:
            raise conf.BadServiceUrl(f"{setting} is not set")
        self.url = url
        self.address = conf.parse_service_url(url)
        self.service = self.schema.key
        self.deadline = float(
            getattr(
                settings,
                conf.deadline_setting(self.contract_path),
                conf.DEFAULT_DEADLINE_SECONDS,
            )
        )
        if self.address.tls:
            channel = grpc.secure_channel(
                self.address.target, grpc.ssl_channel_credentials(), options=CHANNEL_OPTIONS
            )
        else:
            channel = grpc.insecure_channel(self.address.target, options=CHANNEL_OPTIONS)
        self._raw_channel = channel
        self._channel = intercept_channel(channel, client_interceptor())
        self._stubs = {
            method.name: self._channel.unary_unary(
                f"/{self.schema.service_name}/{method.rpc_name}",
                request_serializer=lambda message: message.SerializeToString(),
                response_deserializer=message_class(self.schema, method.response_name).FromString,
            )
            for method in self.schema.methods
        }

    def call(self, name: str, kwargs: dict[str, Any]) -> Any:
        """Call contract method ``name`` on the service; see the module's docstring."""
        method = self.schema.method(name)
        request = encode_request(self.schema, method, kwargs)
        metadata = _outgoing_metadata()
        breaker = breaker_for(self.address.target)
        give_up_at = time.monotonic() + self.deadline
        try:
            for attempt in stamina.retry_context(
                on=_retriable,
                attempts=retry_attempts() if method.idempotent else 1,
                timeout=self.deadline,
                wait_initial=0.05,
                wait_max=1.0,
                wait_jitter=0.1,
            ):
                with attempt:
                    remaining = give_up_at - time.monotonic()
                    if remaining <= 0:
                        raise NoAnswer(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline passed", None)
                    response = breaker.call(self._attempt, method, request, metadata, remaining)
                    return decode_response(method, response)
        except NoAnswer as failure:
            timed_out = failure.code == grpc.StatusCode.DEADLINE_EXCEEDED
            RPC_CLIENT_REFUSALS.labels(
                self.service, name, "deadline" if timed_out else "unreachable"
            ).inc()
            # The REST client reads the reason: it names no address; the log does.
            reason = "no answer within the deadline" if timed_out else "unreachable"
            if timed_out and not method.idempotent:
                reason += "; the outcome is unknown"
            logger.warning(
                "%s.%s via %s: %s (%s)", self.service, name, self.address.target, reason, failure
            )
            raise ServiceUnavailable(
                self.service,
                retry_after=failure.retry_after or _retry_after(breaker),
                reason=reason,
            ) from failure
        except pybreaker.CircuitBreakerError as open_circuit:
            RPC_CLIENT_REFUSALS.labels(self.service, name, "circuit_open").inc()
            raise ServiceUnavailable(
                self.service,
                retry_after=_retry_after(breaker),
                reason="circuit open after repeated failures",
            ) from open_circuit
        raise AssertionError("unreachable: stamina either returns or raises")

    def close(self) -> None:
        self._raw_channel.close()

    def _attempt(self, method: MethodSpec, request: Any, metadata: Metadata, timeout: float) -> Any:
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            return self._stubs[method.name](request, timeout=timeout, metadata=metadata)
        except grpc.RpcError as failure:
            code = failure.code() if callable(getattr(failure, "code", None)) else None
            code = code or grpc.StatusCode.UNKNOWN
            if code in NO_ANSWER:
                raise NoAnswer(code, _detail(failure), retry_after_from(failure)) from None
            error = contract_error_from(self.schema, failure)
            if error is not None:
                raise error from None
            raise RemoteCallFailed(
                f"{self.schema.service_name}/{method.rpc_name} failed: {code.name} "
                f"{_detail(failure)}"
            ) from None
        finally:
            RPC_CLIENT_ATTEMPT_DURATION.labels(self.service, method.name, code.name).observe(
                time.perf_counter() - started
            )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


def _remote_method(method: MethodSpec) -> Callable[..., Any]:
    def call(self: RemoteService, **kwargs: Any) -> Any:
        return self.call(method.name, kwargs)

    call.__name__ = call.__qualname__ = method.name
    call.__signature__ = method.signature  # type: ignore[attr-defined]  # the Protocol's
    call.__doc__ = f"Remote {method.rpc_name}: see the contract's Protocol."
    return call


def retry_attempts() -> int:
    return int(getattr(settings, "RPC_RETRY_ATTEMPTS", conf.DEFAULT_RETRY_ATTEMPTS))


def _retriable(exc: Exception) -> bool:
    # Only an attempt the service never took: a deadline spent is not spent again.
    return isinstance(exc, NoAnswer) and exc.code == grpc.StatusCode.UNAVAILABLE


def _outgoing_metadata() -> Metadata:
    request_id = current_request_id.get()
    return ((REQUEST_ID_KEY, request_id),) if request_id else ()


def _retry_after(breaker: pybreaker.CircuitBreaker) -> int:
    return max(1, math.ceil(breaker.reset_timeout))


def _detail(failure: grpc.RpcError) -> str:
    details = getattr(failure, "details", None)
    return (details() if callable(details) else "") or ""
