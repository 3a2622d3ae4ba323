"""Django admin for orders: read the process state, act through the operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contracts.inventory import InventoryService
from contracts.payments import PaymentsService
from shop.orders import operations
from shop.orders.errors import OrderError
from shop.orders.models import Order, OrderLine
from shop.orders.money import money
from shop.platform.admin import ReadOnlyAdmin
from shop.platform.bindings import bound


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ("sku", "quantity", "unit_price_minor")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer_id", "status", "total", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("id", "customer_id")
    ordering = ("-created_at",)
    inlines = [OrderLineInline]
    actions = ["ship_orders", "cancel_orders", "refund_orders"]
    readonly_fields = (
        "id",
        "customer_id",
        "status",
        "total",
        "payment_method",
        "reason",
        "short_skus",
        "operation",
        "driven_until",
        "reservation_state",
        "payment_state",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(customer_id=int(term)), False
        try:
            return queryset.filter(pk=UUID(term)), False
        except ValueError:
            return queryset.none(), False

    @admin.display(description="total")
    def total(self, order: Order) -> str:
        amount = money(order.total_minor, order.currency)
        return f"{amount['amount']} {amount['currency']}"

    @admin.display(description="reservation (inventory)")
    def reservation_state(self, order: Order) -> str:
        reservation = bound(InventoryService).get_reservation(order_id=order.id)
        if reservation is None:
            return "none"
        if reservation.expires_at is None:
            return f"{reservation.state}, held until shipped or cancelled"
        return f"{reservation.state}, expires {reservation.expires_at:%Y-%m-%d %H:%M:%S}"

    @admin.display(description="payment (payments)")
    def payment_state(self, order: Order) -> str:
        payment = bound(PaymentsService).get(order_id=order.id)
        if payment is None:
            return "none"
        return (
            f"{payment.status}; captured {payment.captured_minor}, "
            f"refunded {payment.refunded_minor} ({payment.amount.currency} minor units)"
        )

    def _act(
        self, request: HttpRequest, queryset: QuerySet, use_case: Callable[..., Order], verb: str
    ) -> None:
        done = 0
        for order_id in queryset.values_list("pk", flat=True):
            try:
                use_case(order_id=order_id)
                done += 1
            except OrderError as error:
                self.message_user(request, f"Order {order_id}: {error}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} order(s).", messages.SUCCESS)

    @admin.action(description="Ship (capture payment, commit stock)")
    def ship_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._act(request, queryset, operations.ship_order, "Shipped")

    @admin.action(description="Cancel (void payment, release stock)")
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._act(request, queryset, operations.cancel_order, "Cancelled")

    @admin.action(description="Refund (refund captured payment)")
    def refund_orders(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._act(request, queryset, operations.refund_order, "Refunded")
