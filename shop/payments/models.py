"""The payments app's tables: payments, the ledger of provider interactions, and the
provider events received by webhook."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contracts.payments import PaymentStatus
from shop.payments.providers.simulated import SimulatedProviderCall  # noqa: F401  (registers it)


class Operation(models.TextChoices):
    AUTHORIZE = "authorize"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"
    LOOKUP = "lookup"


class Payment(models.Model):
    """The one payment of an order, as this app last learned it from the provider.

    ``pending_*`` describe a provider call that was started and not yet settled:
    while ``in_flight_until`` lies ahead a caller is waiting for the provider; once it
    is cleared or past, the call went unanswered and the resolver may settle it.
    """

    # The functional API takes (name, value) pairs, which django-stubs does not describe.
    Status = models.TextChoices("Status", [(s.name, s.value) for s in PaymentStatus])  # type: ignore[call-overload]

    order_id = models.UUIDField(unique=True)
    amount_minor = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(max_length=100)
    provider = models.CharField(max_length=50)
    provider_reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    captured_minor = models.PositiveBigIntegerField(default=0)
    refunded_minor = models.PositiveBigIntegerField(default=0)
    refunds_requested = models.PositiveIntegerField(default=0)
    decline_reason = models.CharField(max_length=100, blank=True)

    pending_operation = models.CharField(max_length=20, choices=Operation.choices, blank=True)
    pending_key = models.CharField(max_length=200, blank=True)
    pending_amount_minor = models.PositiveBigIntegerField(null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)
    in_flight_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(captured_minor__lte=F("amount_minor")),
                name="payment_captures_at_most_amount",
            ),
            models.CheckConstraint(
                condition=Q(refunded_minor__lte=F("captured_minor")),
                name="payment_refunds_at_most_captured",
            ),
        ]
        # Plain B-trees: db_index=True would add a LIKE-pattern twin to each on PostgreSQL,
        # which nothing queries and every insert and status change would maintain.
        indexes = [
            models.Index(fields=["provider_reference"], name="payment_provider_ref_idx"),
            models.Index(fields=["status"], name="payment_status_idx"),
            models.Index(
                fields=["pending_since"],
                condition=~Q(pending_operation=""),
                name="payment_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"payment of order {self.order_id} ({self.status})"

    def is_in_flight(self) -> bool:
        return self.in_flight_until is not None and self.in_flight_until > timezone.now()

    @property
    def refundable_minor(self) -> int:
        return self.captured_minor - self.refunded_minor

    def settled_status(self) -> str:
        """The status the amounts describe, for a call that turned out not to happen."""
        if self.refunded_minor:
            if self.refunded_minor == self.captured_minor:
                return PaymentStatus.REFUNDED
            return PaymentStatus.PARTIALLY_REFUNDED
        return PaymentStatus.CAPTURED if self.captured_minor else PaymentStatus.AUTHORIZED


class InteractionOutcome(models.TextChoices):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    NOT_FOUND = "not_found"
    TIMEOUT = "timeout"
    ERROR = "error"


class ProviderInteraction(models.Model):
    """One request to the provider and what came back. Append-only."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="interactions")
    operation = models.CharField(max_length=20, choices=Operation.choices)
    idempotency_key = models.CharField(max_length=200)
    outcome = models.CharField(max_length=20, choices=InteractionOutcome.choices)
    reason = models.TextField(blank=True)
    response = models.JSONField(default=dict, blank=True)
    requested_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.idempotency_key}: {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("The provider ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("The provider ledger is append-only.")


class ReceivedProviderEvent(models.Model):
    """A webhook event already applied (or deliberately ignored): each is applied once."""

    class Outcome(models.TextChoices):
        APPLIED = "applied"
        IGNORED = "ignored"

    provider = models.CharField(max_length=50)
    event_id = models.CharField(max_length=200)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="provider_event_applied_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} ({self.outcome})"
