"""The inventory app's tables: products, their stock, and reservations per order."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from contracts.inventory import ReservationState

SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
MAX_STOCK = 1_000_000_000
"""The most units one product's stock, or one restock, may hold."""
MAX_PRICE_MINOR = 2**62
"""The largest price in minor units: an order of many lines still fits a 64-bit total."""
SKU_HELP = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit."


class Product(models.Model):
    """A sellable item of the catalog; its price is in the currency's minor units."""

    sku = models.CharField(
        "SKU",
        max_length=64,
        unique=True,
        validators=[RegexValidator(SKU_PATTERN, SKU_HELP)],
        help_text=SKU_HELP,
    )
    name = models.CharField(max_length=200)
    price_minor = models.BigIntegerField("price (minor units)")
    currency = models.CharField(max_length=3)
    active = models.BooleanField(default=True)
    low_stock_threshold = models.PositiveIntegerField(default=5)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        permissions = [("restock", "Can restock products")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_minor__gte=0), name="product_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Stock(models.Model):
    """Units of one product on hand and how many of them are reserved by orders.

    It is its own row so that taking stock locks only this row, never the product.
    """

    product = models.OneToOneField(
        Product,
        on_delete=models.CASCADE,
        primary_key=True,
        to_field="sku",
        db_column="sku",
        related_name="stock",
    )
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "stock"
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            # available = on_hand - reserved: the database refuses to oversell.
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved")), name="stock_available_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.available} available"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    """Stock held for one order until it is committed, released or expires."""

    # The functional API takes (name, value) pairs, which django-stubs does not describe.
    State = models.TextChoices("State", [(s.name, s.value) for s in ReservationState])  # type: ignore[call-overload]

    order_id = models.UUIDField(unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RESERVED)
    # Null once held for a confirmed order: it then ends only by commit or release.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The expiry sweep reads only open reservations, oldest deadline first.
            models.Index(
                fields=["expires_at"],
                condition=Q(state="reserved"),
                name="reservation_open_expiry_idx",
            )
        ]

    def __str__(self) -> str:
        return f"reservation of order {self.order_id} ({self.state})"


class ReservationLine(models.Model):
    # Looked up through reservation_line_once, whose first column it is: no index of its own.
    reservation = models.ForeignKey(
        Reservation, on_delete=models.CASCADE, related_name="lines", db_index=False
    )
    sku = models.CharField("SKU", max_length=64)
    quantity = models.IntegerField()

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["reservation", "sku"], name="reservation_line_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"
