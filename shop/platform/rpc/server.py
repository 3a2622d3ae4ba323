"""The gRPC server of this process's contracts: the facades bound here, over the wire.

Serves every contract ``SHOP_BINDINGS`` binds in-process (not to a remote client),
with the standard health service and server reflection. Each call runs as Django
runs a request: fresh database connections when old ones are obsolete, the caller's
request id in the log context, the caller's trace continued (OpenTelemetry's server
interceptor), its latency and outcome measured.
"""

from __future__ import annotations

import logging
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry.instrumentation.grpc import server_interceptor

from contracts.common import ServiceUnavailable
from shop.platform.bindings import resolve_target
from shop.platform.databases import DATABASE_DOES_NOT_ANSWER
from shop.platform.rpc.client import REQUEST_ID_KEY, RemoteService
from shop.platform.rpc.codec import decode_request, encode_response, message_class
from shop.platform.rpc.errors import abort_with, is_contract_error
from shop.platform.rpc.metrics import RPC_SERVER_DURATION
from shop.platform.rpc.schema import ContractSchema, MethodSpec, contract_schema
from shop.platform.telemetry.logging import current_request_id

logger = logging.getLogger(__name__)

# Retry-After for a serving app whose own database does not answer.
DATABASE_RETRY_AFTER_SECONDS = 5


class PortUnavailable(OSError):
    """The address could not be bound: the port is taken or not allowed."""


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer
    services: tuple[str, ...]

    def stop(self, grace: float) -> None:
        """Refuse new calls (health NOT_SERVING), finish those in flight, then stop."""
        self.health.enter_graceful_shutdown()
        self.server.stop(grace).wait()


def served_contracts() -> list[tuple[ContractSchema, Any]]:
    """Each contract bound in-process here, with its implementation (the app's facade)."""
    served = []
    for contract_path, target_path in getattr(settings, "SHOP_BINDINGS", {}).items():
        target = import_string(target_path)
        if isinstance(target, type) and issubclass(target, RemoteService):
            continue
        served.append((contract_schema(import_string(contract_path)), resolve_target(target_path)))
    return served


def start_server(*, host: str, port: int, workers: int) -> RunningServer:
    """Bind ``host:port`` (0: any free port) and start serving; raises ``PortUnavailable``."""
    server = grpc.server(
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc"),
        interceptors=[server_interceptor()],
        # Without this, Linux lets a second server bind a port that is already served.
        options=[("grpc.so_reuseport", 0)],
    )
    names = []
    for schema, implementation in served_contracts():
        handlers = {
            method.rpc_name: grpc.unary_unary_rpc_method_handler(
                _handler(schema, method, implementation),
                request_deserializer=message_class(schema, method.request_name).FromString,
                response_serializer=lambda message: message.SerializeToString(),
            )
            for method in schema.methods
        }
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(schema.service_name, handlers),)
        )
        names.append(schema.service_name)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *names):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    reflection.enable_server_reflection(
        (*names, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    _refuse_if_taken(host, port)
    try:
        bound_port = server.add_insecure_port(f"{host}:{port}")
    except RuntimeError as exc:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {exc}") from exc
    if not bound_port:
        raise PortUnavailable(f"cannot listen on {host}:{port}: taken or not allowed")
    server.start()
    return RunningServer(server, bound_port, health_servicer, tuple(names))


def _refuse_if_taken(host: str, port: int) -> None:
    """Fail in one line before gRPC tries (and logs its own multi-line complaint)."""
    if port == 0:
        return
    address = host.strip("[]")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _handler(
    schema: ContractSchema, method: MethodSpec, implementation: Any
) -> Callable[[Any, grpc.ServicerContext], Any]:
    call = getattr(implementation, method.name)

    def handle(request: Any, context: grpc.ServicerContext) -> Any:
        metadata = dict(context.invocation_metadata())
        token = current_request_id.set(metadata.get(REQUEST_ID_KEY) or uuid.uuid4().hex)
        started = time.perf_counter()
        outcome = "ok"
        close_old_connections()
        try:
            try:
                kwargs = decode_request(method, request)
            except (TypeError, ValueError) as bad:
                outcome = "InvalidArgument"
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(bad))
            try:
                return encode_response(schema, method, call(**kwargs))
            except DATABASE_DOES_NOT_ANSWER as down:
                # The app's own database does not answer: the app is unavailable, as the
                # in-process binding says. Other database errors are bugs: INTERNAL below.
                outcome = type(down).__name__
                logger.warning("%s.%s: database error: %s", schema.key, method.name, down)
                abort_with(
                    context,
                    schema,
                    ServiceUnavailable(
                        schema.key,
                        retry_after=DATABASE_RETRY_AFTER_SECONDS,
                        reason="its database does not answer",
                    ),
                )
            except Exception as exc:
                outcome = type(exc).__name__
                if isinstance(exc, ServiceUnavailable) or is_contract_error(schema, exc):
                    abort_with(context, schema, exc)
                logger.exception("%s.%s failed", schema.key, method.name)
                context.abort(grpc.StatusCode.INTERNAL, f"{type(exc).__name__} in {method.name}")
        finally:
            close_old_connections()
            RPC_SERVER_DURATION.labels(schema.key, method.name, outcome).observe(
                time.perf_counter() - started
            )
            current_request_id.reset(token)

    return handle
