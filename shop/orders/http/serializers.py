"""Request parsing and response shapes of the orders API (API.md § Orders)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from contracts.payments import Payment
from shop.orders.models import MAX_QUANTITY, Order
from shop.orders.money import money


class LineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class PlaceOrderSerializer(serializers.Serializer):
    lines = LineInSerializer(many=True, allow_empty=False)
    payment_method = serializers.CharField(max_length=100)

    def validate_lines(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[str] = set()
        errors: list[dict[str, list[str]]] = []
        for line in lines:
            errors.append({"sku": ["Duplicate SKU."]} if line["sku"] in seen else {})
            seen.add(line["sku"])
        if any(errors):
            raise serializers.ValidationError(errors)
        return lines


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='Decimal string, e.g. "12.50".')
    currency = serializers.CharField(min_length=3, max_length=3)


class LineOutSerializer(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = MoneySerializer()
    line_total = MoneySerializer()


class PaymentSummarySerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text='The payment\'s status; "none" before one exists, "not_required" when'
        " the order is free."
    )
    method = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    """The order as the API shows it; built by ``order_body``."""

    id = serializers.UUIDField()
    status = serializers.CharField()
    lines = LineOutSerializer(many=True)
    total = MoneySerializer()
    payment = PaymentSummarySerializer()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# API.md: an order of free products only is confirmed without a payment.
PAYMENT_NOT_REQUIRED = "not_required"


def _payment_status(order: Order, payment: Payment | None) -> str:
    if payment is not None:
        return str(payment.status)
    return PAYMENT_NOT_REQUIRED if order.is_free else "none"


def order_body(order: Order, payment: Payment | None) -> dict[str, Any]:
    """The JSON body of an order, its payment status as payments reports it."""
    lines = [
        {
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price_minor, order.currency),
            "line_total": money(line.line_total_minor, order.currency),
        }
        for line in order.lines.all()
    ]
    return {
        "id": str(order.id),
        "status": order.status,
        "lines": lines,
        "total": money(order.total_minor, order.currency),
        "payment": {
            "status": _payment_status(order, payment),
            "method": order.payment_method,
        },
        "created_at": serializers.DateTimeField().to_representation(order.created_at),
        "updated_at": serializers.DateTimeField().to_representation(order.updated_at),
    }
