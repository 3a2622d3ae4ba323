"""The simulated payment provider: the default in development and tests.

It plays the outside world, so it keeps its own books (``SimulatedProviderCall``, one
row per idempotency key, in the payments database) and behaves like a real provider:
a repeated key returns the first result and never charges twice. Slowness, lost
requests, lost answers and server errors are switched on by ``PAYMENTS_SIMULATOR``
(see ``shop.payments.conf.simulator``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.db import IntegrityError, models

from contracts.common import Money
from shop.payments import conf
from shop.payments.providers.base import (
    InvalidProviderEvent,
    ProviderError,
    ProviderEvent,
    ProviderEventType,
    ProviderOutcome,
    ProviderResult,
    ProviderTimeout,
)

# The usual test cards: the method's outcome at authorization.
PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "",
    "pm_card_mastercard": "",
    "pm_card_chargeDeclined": "card_declined",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}

EVENT_TYPES = {
    "charge.failed": ProviderEventType.PAYMENT_FAILED,
    "charge.refunded": ProviderEventType.REFUNDED,
}


class SimulatedProviderCall(models.Model):
    """The simulated provider's record of one request, keyed by its idempotency key."""

    idempotency_key = models.CharField(max_length=200, unique=True)
    operation = models.CharField(max_length=20)
    reference = models.CharField(max_length=100)
    amount_minor = models.PositiveBigIntegerField(null=True)
    currency = models.CharField(max_length=3, blank=True)
    payment_method = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=20)
    reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "payments"
        db_table = "payments_simulated_provider_call"

    def __str__(self) -> str:
        return f"{self.operation} {self.idempotency_key}: {self.outcome}"

    def as_result(self) -> ProviderResult:
        return ProviderResult(
            outcome=ProviderOutcome(self.outcome),
            reference=self.reference,
            reason=self.reason,
            response={
                "id": self.reference,
                "object": self.operation,
                "status": self.outcome,
                "amount": self.amount_minor,
                "failure_code": self.reason or None,
            },
        )


class SimulatedProvider:
    name = "simulated"

    def supported_payment_methods(self) -> frozenset[str]:
        return frozenset(PAYMENT_METHODS)

    def authorize(
        self, *, idempotency_key: str, amount: Money, payment_method: str
    ) -> ProviderResult:
        reason = PAYMENT_METHODS.get(payment_method, "unsupported_payment_method")
        return self._request(
            "authorize",
            idempotency_key,
            reference=f"sim_ch_{uuid.uuid4().hex[:24]}",
            amount=amount,
            payment_method=payment_method,
            reason=reason,
        )

    def capture(self, *, idempotency_key: str, reference: str, amount: Money) -> ProviderResult:
        return self._request(
            "capture",
            idempotency_key,
            reference,
            amount=amount,
            reason=self._charge_problem(reference),
        )

    def void(self, *, idempotency_key: str, reference: str) -> ProviderResult:
        return self._request(
            "void", idempotency_key, reference, reason=self._charge_problem(reference)
        )

    def refund(self, *, idempotency_key: str, reference: str, amount: Money) -> ProviderResult:
        return self._request(
            "refund",
            idempotency_key,
            f"sim_re_{uuid.uuid4().hex[:24]}",
            amount=amount,
            reason=self._charge_problem(reference),
        )

    def lookup(self, *, idempotency_key: str) -> ProviderResult | None:
        self._before("lookup")
        call = SimulatedProviderCall.objects.filter(idempotency_key=idempotency_key).first()
        self._after("lookup")
        return None if call is None else call.as_result()

    def parse_event(self, payload: Any) -> ProviderEvent:
        try:
            data = payload["data"]
            amount = data.get("amount")
            if amount is not None and (type(amount) is not int or amount <= 0):
                raise InvalidProviderEvent("data.amount must be a positive integer")
            return ProviderEvent(
                event_id=str(payload["id"]),
                type=EVENT_TYPES.get(payload["type"]),
                reference=str(data["charge"]),
                amount_minor=amount,
                reason=str(data.get("failure_code") or ""),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidProviderEvent(f"malformed event: {exc!r}") from exc

    def _charge_problem(self, reference: str) -> str:
        exists = SimulatedProviderCall.objects.filter(
            operation="authorize", reference=reference, outcome=ProviderOutcome.SUCCEEDED
        ).exists()
        return "" if exists else "no_such_charge"

    def _request(
        self,
        operation: str,
        idempotency_key: str,
        reference: str,
        *,
        amount: Money | None = None,
        payment_method: str = "",
        reason: str = "",
    ) -> ProviderResult:
        self._before(operation)
        try:
            # One INSERT committed on its own: the unique key refuses a repeated call.
            call = SimulatedProviderCall.objects.using("payments").create(
                idempotency_key=idempotency_key,
                operation=operation,
                reference=reference,
                amount_minor=amount.amount_minor if amount else None,
                currency=amount.currency if amount else "",
                payment_method=payment_method,
                outcome=ProviderOutcome.DECLINED if reason else ProviderOutcome.SUCCEEDED,
                reason=reason,
            )
        except IntegrityError:
            # A repeated key: the first result, never a second charge.
            call = SimulatedProviderCall.objects.using("payments").get(
                idempotency_key=idempotency_key
            )
        self._after(operation)
        return call.as_result()

    def _before(self, operation: str) -> None:
        behaviour = conf.simulator()
        if latency := behaviour.get("latency_seconds"):
            time.sleep(latency)
        fault = behaviour.get("faults", {}).get(operation)
        if fault == "timeout_before":
            raise ProviderTimeout(f"simulated: {operation} request lost")
        if fault == "error":
            raise ProviderError(f"simulated: {operation} failed with a server error")

    def _after(self, operation: str) -> None:
        if conf.simulator().get("faults", {}).get(operation) == "timeout_after":
            raise ProviderTimeout(f"simulated: {operation} answer lost")
