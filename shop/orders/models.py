"""The orders app's tables, and the one table of allowed status transitions."""

from __future__ import annotations

from django.db import models

from contracts.orders import OrderStatus
from shop.platform.ids import new_id

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset(
        {
            OrderStatus.CONFIRMED,
            OrderStatus.REJECTED,
            OrderStatus.PAYMENT_FAILED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.PAYMENT_FAILED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}
"""Every status an order may move to from each status; any other move is refused."""


def can_transition(source: OrderStatus | str, target: OrderStatus | str) -> bool:
    return OrderStatus(target) in TRANSITIONS[OrderStatus(source)]


def sources_of(target: OrderStatus | str) -> frozenset[OrderStatus]:
    """The statuses from which an order may move to ``target``."""
    return frozenset(s for s, targets in TRANSITIONS.items() if OrderStatus(target) in targets)


# API.md: a line orders 1 to 1000 units.
MAX_QUANTITY = 1000


class Operation(models.TextChoices):
    """What the driver holding an order's lease is doing to it."""

    NONE = "", "idle"
    PLACE = "place", "placing"
    CANCEL = "cancel", "cancelling"
    SHIP = "ship", "shipping"
    REFUND = "refund", "refunding"


class Order(models.Model):
    id = models.UUIDField(primary_key=True, default=new_id, editable=False)
    # A Django user id on the default database: a plain id, never a relation.
    customer_id = models.BigIntegerField()
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.value.replace("_", " ")) for s in OrderStatus],
        default=OrderStatus.PENDING,
    )
    currency = models.CharField(max_length=3)
    total_minor = models.BigIntegerField()
    payment_method = models.CharField(max_length=100)
    # Why the order ended as it did: the decline reason, the cancellation reason...
    reason = models.CharField(max_length=200, blank=True, default="")
    short_skus = models.JSONField(default=list, blank=True)
    # The progress marker: one driver at a time moves an order through the other
    # apps, under a bounded lease. An operation left set with an expired lease is
    # work a dead process abandoned; the reconciler finishes it.
    operation = models.CharField(
        max_length=10, choices=Operation.choices, default=Operation.NONE, blank=True
    )
    driver_token = models.UUIDField(null=True, blank=True)
    driven_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # Checked by the admin and the API alike (shop.platform.permissions).
        permissions = [
            ("ship_order", "Can ship orders (capture the payment, commit the stock)"),
            ("cancel_order", "Can cancel orders (void the payment, release the stock)"),
            ("refund_order", "Can refund shipped orders"),
        ]
        indexes = [
            models.Index(fields=["customer_id", "-created_at"], name="order_customer_recent_idx"),
            models.Index(fields=["status", "created_at"], name="order_status_idx"),
            models.Index(
                fields=["driven_until"],
                condition=~models.Q(operation=""),
                name="order_in_progress_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in OrderStatus]),
                name="order_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(total_minor__gte=0), name="order_total_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"

    @property
    def is_free(self) -> bool:
        """Free products only (API.md): confirmed, shipped and refunded without a payment."""
        return self.total_minor == 0


class OrderLine(models.Model):
    # Looked up through order_line_sku_once, whose first column it is: no index of its own.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price_minor = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="order_line_sku_once"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1, quantity__lte=MAX_QUANTITY),
                name="order_line_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def line_total_minor(self) -> int:
        return self.unit_price_minor * self.quantity


class IdempotencyRecord(models.Model):
    """A client's ``Idempotency-Key`` and the first answer given for it."""

    customer_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    order_id = models.UUIDField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    # While set and in the future, the first request is still running.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer_id", "key"], name="idempotency_key_once"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.key}"

    @property
    def completed(self) -> bool:
        return self.response_status is not None
