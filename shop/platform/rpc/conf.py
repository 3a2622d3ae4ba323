"""The remote-call settings and their defaults.

Light on purpose: ``shop/settings.py`` imports it, before Django or gRPC are loaded.
A number these settings cannot use stops start-up in one line (``environment.py``).
For a contract ``contracts.<app>.<Service>``:

- ``<APP>_SERVICE_URL``: ``grpc://host:port`` (``grpcs://`` for TLS) binds the
  contract to its gRPC client (``clients.py``) when the app is not served here;
- ``<APP>_SERVICE_DEADLINE_SECONDS``: the whole budget of one call, retries included;

and for every target: ``RPC_RETRY_ATTEMPTS``, ``RPC_CIRCUIT_FAILURES`` (consecutive
calls without an answer that open the circuit) and ``RPC_CIRCUIT_RESET_SECONDS``
(how long it stays open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from shop.platform.environment import env_float, env_int

DEFAULT_DEADLINE_SECONDS = 5.0
DEFAULT_RETRY_ATTEMPTS = 3
DEFAULT_CIRCUIT_FAILURES = 5
DEFAULT_CIRCUIT_RESET_SECONDS = 10.0
SCHEMES = ("grpc", "grpcs")


class BadServiceUrl(ValueError):
    """A ``<APP>_SERVICE_URL`` that is not ``grpc://host:port`` or ``grpcs://host:port``."""


@dataclass(frozen=True)
class ServiceAddress:
    host: str
    port: int
    tls: bool

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"


def service_key(contract_path: str) -> str:
    """The contract's module under ``contracts``: names its settings and its .proto."""
    return contract_path.removeprefix("contracts.").split(".", 1)[0]


def url_setting(contract_path: str) -> str:
    return f"{service_key(contract_path).upper()}_SERVICE_URL"


def deadline_setting(contract_path: str) -> str:
    return f"{service_key(contract_path).upper()}_SERVICE_DEADLINE_SECONDS"


def client_path(contract_path: str) -> str:
    """The dotted path of the gRPC client class of a contract (see ``clients.py``)."""
    return f"shop.platform.rpc.clients.{contract_path.replace('.', '__')}"


def parse_service_url(url: str) -> ServiceAddress:
    """``grpc://host:50051`` -> its host, port and whether it uses TLS."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise BadServiceUrl(f"{url!r} is not grpc://host:port or grpcs://host:port")
    try:
        port = parts.port
    except ValueError as exc:
        raise BadServiceUrl(f"{url!r} has no valid port") from exc
    if port is None:
        raise BadServiceUrl(f"{url!r} names no port")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return ServiceAddress(host, port, parts.scheme == "grpcs")


def remote_binding(contract_path: str, environ: Mapping[str, str]) -> str | None:
    """The gRPC client binding of a contract whose ``<APP>_SERVICE_URL`` is set."""
    url = environ.get(url_setting(contract_path), "").strip()
    if urlsplit(url).scheme not in SCHEMES:
        return None
    try:
        parse_service_url(url)  # refused at start-up, not on every request that calls it
    except BadServiceUrl as exc:
        raise ImproperlyConfigured(f"{url_setting(contract_path)}: {exc}.") from None
    return client_path(contract_path)


def rpc_settings(environ: Mapping[str, str], contracts: Mapping[str, float]) -> dict[str, Any]:
    """The remote-call settings from the environment; ``contracts`` maps each contract's
    dotted path to its default deadline in seconds."""
    values: dict[str, Any] = {}
    for contract, default_deadline in contracts.items():
        values[url_setting(contract)] = environ.get(url_setting(contract), "").strip()
        values[deadline_setting(contract)] = env_float(
            environ, deadline_setting(contract), default_deadline
        )
    values["RPC_RETRY_ATTEMPTS"] = env_int(
        environ, "RPC_RETRY_ATTEMPTS", DEFAULT_RETRY_ATTEMPTS, minimum=1
    )
    values["RPC_CIRCUIT_FAILURES"] = env_int(
        environ, "RPC_CIRCUIT_FAILURES", DEFAULT_CIRCUIT_FAILURES, minimum=1
    )
    values["RPC_CIRCUIT_RESET_SECONDS"] = env_float(
        environ, "RPC_CIRCUIT_RESET_SECONDS", DEFAULT_CIRCUIT_RESET_SECONDS
    )
    return values
