"""Request and response bodies of the catalog endpoints."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.currencies import AmountNotRepresentable, is_currency, to_minor_units
from contracts.currencies import to_decimal_string as money_string
from contracts.inventory import Product
from shop.inventory.models import MAX_PRICE_MINOR, MAX_STOCK, SKU_HELP, SKU_PATTERN


class PriceSerializer(serializers.Serializer):
    """Money as a decimal string in its currency: ``{"amount": "12.50", "currency": "EUR"}``."""

    amount = serializers.DecimalField(
        max_digits=18, decimal_places=4, min_value=Decimal(0), coerce_to_string=True
    )
    currency = serializers.CharField(min_length=3, max_length=3)

    def validate_currency(self, value: str) -> str:
        if not is_currency(value):
            raise serializers.ValidationError(f"{value!r} is not an ISO 4217 currency code.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["amount_minor"] = to_minor_units(attrs["amount"], attrs["currency"])
        except AmountNotRepresentable as exc:
            raise serializers.ValidationError({"amount": str(exc)}) from exc
        if attrs["amount_minor"] > MAX_PRICE_MINOR:
            raise serializers.ValidationError({"amount": "The amount is too large."})
        return attrs


class ProductSerializer(serializers.Serializer):
    """A catalog product; ``available`` is the stock no order has reserved."""

    sku = serializers.CharField()
    name = serializers.CharField()
    price = serializers.SerializerMethodField()
    available = serializers.IntegerField()

    @extend_schema_field(PriceSerializer)
    def get_price(self, product: Product) -> dict[str, str]:
        return {
            "amount": money_string(product.price.amount_minor, product.price.currency),
            "currency": product.price.currency,
        }


class ProductCreateSerializer(serializers.Serializer):
    sku = serializers.RegexField(
        SKU_PATTERN,
        error_messages={"invalid": f"Use {SKU_HELP}"},
    )
    name = serializers.CharField(max_length=200)
    price = PriceSerializer()
    stock = serializers.IntegerField(min_value=0, max_value=MAX_STOCK)
    low_stock_threshold = serializers.IntegerField(
        min_value=0, max_value=MAX_STOCK, default=5, required=False
    )


class RestockSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_STOCK)
