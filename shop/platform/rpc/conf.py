"""The remote-call settings, their defaults, and which contracts are bound remotely.

Light on purpose: ``shop/settings.py`` imports it, before Django or gRPC are loaded.
For a contract ``contracts.<app>.<Service>``:

- ``<APP>_SERVICE_URL``: ``grpc://host:port`` (``grpcs://`` for TLS) binds the
  contract to the gRPC client; unset, the app is served in this process.
- ``<APP>_SERVICE_DEADLINE_SECONDS``: the whole budget of one call, retries included.

and for every target: ``RPC_RETRY_ATTEMPTS``, ``RPC_CIRCUIT_FAILURES`` (consecutive
failures that open the circuit) and ``RPC_CIRCUIT_RESET_SECONDS`` (how long it stays open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# A confirmed order waits on payments' provider; the rest answer from one database.
DEFAULT_DEADLINE_SECONDS = {"inventory": 2.0, "orders": 2.0, "payments": 12.0}
FALLBACK_DEADLINE_SECONDS = 5.0
DEFAULT_RETRY_ATTEMPTS = 3
DEFAULT_CIRCUIT_FAILURES = 5
DEFAULT_CIRCUIT_RESET_SECONDS = 10.0

REMOTE_CLIENTS: dict[str, str] = {
    "contracts.inventory.InventoryService": "shop.platform.rpc.clients.InventoryClient",
    "contracts.payments.PaymentsService": "shop.platform.rpc.clients.PaymentsClient",
    "contracts.orders.OrdersService": "shop.platform.rpc.clients.OrdersClient",
}
"""The gRPC client class of each contract, bound when its service URL is set."""


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
    """``contracts.inventory.InventoryService`` -> ``inventory``."""
    return contract_path.removeprefix("contracts.").split(".", 1)[0]


def url_setting(contract_path: str) -> str:
    return f"{service_key(contract_path).upper()}_SERVICE_URL"


def deadline_setting(contract_path: str) -> str:
    return f"{service_key(contract_path).upper()}_SERVICE_DEADLINE_SECONDS"


def parse_service_url(url: str) -> ServiceAddress:
    """``grpc://payments:50051`` -> its host, port and whether it uses TLS."""
    parts = urlsplit(url)
    if parts.scheme not in ("grpc", "grpcs") or not parts.hostname:
        raise BadServiceUrl(f"{url!r} is not grpc://host:port or grpcs://host:port")
    try:
        port = parts.port
    except ValueError as exc:
        raise BadServiceUrl(f"{url!r} has no valid port") from exc
    if port is None:
        raise BadServiceUrl(f"{url!r} names no port")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return ServiceAddress(host, port, parts.scheme == "grpcs")


def remote_bindings(environ: Mapping[str, str]) -> dict[str, str]:
    """``SHOP_BINDINGS`` entries for the contracts whose service URL is set."""
    return {
        contract: client
        for contract, client in REMOTE_CLIENTS.items()
        if environ.get(url_setting(contract))
    }


def rpc_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The remote-call settings read from the environment, for ``shop/settings.py``."""
    values: dict[str, Any] = {}
    for contract in REMOTE_CLIENTS:
        key = service_key(contract)
        values[url_setting(contract)] = environ.get(url_setting(contract), "")
        values[deadline_setting(contract)] = float(
            environ.get(deadline_setting(contract), DEFAULT_DEADLINE_SECONDS[key])
        )
    values["RPC_RETRY_ATTEMPTS"] = int(environ.get("RPC_RETRY_ATTEMPTS", DEFAULT_RETRY_ATTEMPTS))
    values["RPC_CIRCUIT_FAILURES"] = int(
        environ.get("RPC_CIRCUIT_FAILURES", DEFAULT_CIRCUIT_FAILURES)
    )
    values["RPC_CIRCUIT_RESET_SECONDS"] = float(
        environ.get("RPC_CIRCUIT_RESET_SECONDS", DEFAULT_CIRCUIT_RESET_SECONDS)
    )
    return values
