"""Types shared by every contract: money and the base of domain events."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def idempotent[F: Callable[..., Any]](method: F) -> F:
    """Mark a contract method as safe to call again with the same arguments.

    A second call with the same arguments changes nothing more and answers as the
    first did, so a client that got no answer may retry it; a binding retries no
    other method.
    """
    method.__contract_idempotent__ = True  # type: ignore[attr-defined]
    return method


def is_idempotent(method: Callable[..., Any]) -> bool:
    """Whether the contract marks ``method`` with ``@idempotent``."""
    return getattr(method, "__contract_idempotent__", False) is True


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's minor units (cents) and its ISO 4217 code."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("Money.amount_minor must be an int of minor units")
        if not _CURRENCY.match(self.currency):
            raise ValueError(f"Money.currency must be an ISO 4217 code, not {self.currency!r}")

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount_minor * quantity, self.currency)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One thing that happened to an order in one app, for the people reading its story.

    ``what`` says it in the business's words (``Stock reserved: 2 x TEE-BLACK-M``),
    ``outcome`` how it went (``delivered``, ``declined: card_declined``, ``parked``);
    ``event_id`` names the published event behind it, if one was.
    """

    at: datetime
    app: str
    what: str
    outcome: str
    event_id: str = ""


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """A fact that already happened, published by the app that owns it.

    Subclasses are frozen dataclasses named in the past tense; ``name`` is stable
    across versions and ``version`` grows when the payload changes incompatibly.
    ``key_field`` names the field holding the aggregate's id (the order's, the SKU):
    events of one aggregate keep their order on the broker.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    key_field: ClassVar[str] = "order_id"


class ServiceUnavailable(Exception):
    """The app serving a contract cannot answer now: its process, or its database, is down.

    Raised by a binding (a remote client that cannot reach its service, a circuit that
    is open) or by an app whose own database does not answer. The caller may retry
    after ``retry_after`` seconds; the REST API answers ``503`` problem
    ``service-unavailable`` with ``Retry-After``.
    """

    def __init__(self, service: str, *, retry_after: int = 5, reason: str = "") -> None:
        self.service = service
        self.retry_after = retry_after
        self.reason = reason
        super().__init__(f"{service} is unavailable" + (f": {reason}" if reason else ""))
