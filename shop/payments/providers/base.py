"""What the payments app needs from a payment provider, whatever its wire protocol.

Every state-changing call carries an idempotency key: the provider answers a repeated
key with the first result and never acts twice. Calls raise ``ProviderUnavailable``
when the outcome is unknown (no answer in time, or a server error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from contracts.common import Money


class ProviderOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"


@dataclass(frozen=True)
class ProviderResult:
    """The provider's answer to one request."""

    outcome: ProviderOutcome
    reference: str
    reason: str = ""
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.outcome is ProviderOutcome.SUCCEEDED


class ProviderEventType(StrEnum):
    # The provider withdrew an authorization or capture after the fact.
    PAYMENT_FAILED = "payment_failed"
    # Money went back to the customer outside this app (provider dashboard, bank).
    REFUNDED = "refunded"


@dataclass(frozen=True)
class ProviderEvent:
    """A webhook event, in the app's terms."""

    event_id: str
    type: ProviderEventType | None  # None: a type this app does not act on
    reference: str
    amount_minor: int | None = None
    reason: str = ""


class ProviderUnavailable(Exception):
    """The outcome of the request is unknown; ask again with the same key later."""


class ProviderTimeout(ProviderUnavailable):
    """No answer in time; the provider may or may not have acted."""


class ProviderError(ProviderUnavailable):
    """The provider answered with a server error."""


class InvalidProviderEvent(ValueError):
    """A webhook body this provider would never send."""


class PaymentProvider(Protocol):
    name: str

    def supported_payment_methods(self) -> frozenset[str]: ...

    def authorize(
        self, *, idempotency_key: str, amount: Money, payment_method: str
    ) -> ProviderResult:
        """Reserve ``amount`` on the payment method; the result's reference names the charge."""
        ...

    def capture(self, *, idempotency_key: str, reference: str, amount: Money) -> ProviderResult: ...

    def void(self, *, idempotency_key: str, reference: str) -> ProviderResult: ...

    def refund(self, *, idempotency_key: str, reference: str, amount: Money) -> ProviderResult: ...

    def lookup(self, *, idempotency_key: str) -> ProviderResult | None:
        """The stored result of the request sent with ``idempotency_key``.

        ``None`` when the provider never received that request.
        """
        ...

    def parse_event(self, payload: Any) -> ProviderEvent:
        """A verified webhook body as a ``ProviderEvent``; raises ``InvalidProviderEvent``."""
        ...
