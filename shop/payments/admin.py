"""Django admin for payments: read-only records; actions call services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from contracts.payments import PaymentError
from shop.payments import services
from shop.payments.models import Payment, ProviderInteraction, ReceivedProviderEvent
from shop.platform.admin import ReadOnlyAdmin


class ProviderInteractionInline(admin.TabularInline):
    model = ProviderInteraction
    readonly_fields = (
        "requested_at",
        "answered_at",
        "operation",
        "idempotency_key",
        "outcome",
        "reason",
    )
    fields = readonly_fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_id",
        "status",
        "amount_minor",
        "currency",
        "captured_minor",
        "refunded_minor",
        "provider",
        "created_at",
    ]
    list_filter = ["status", "provider", "currency"]
    search_fields = ["=order_id", "=provider_reference"]
    date_hierarchy = "created_at"
    inlines = [ProviderInteractionInline]
    actions = ["capture", "refund_in_full"]

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.change_payment")

    @admin.action(description="Capture the selected payments", permissions=["operate"])
    def capture(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._each(request, queryset, "captured", services.capture_payment)

    @admin.action(description="Refund the selected payments in full", permissions=["operate"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        self._each(request, queryset, "refunded", services.refund_payment)

    def _each(self, request: HttpRequest, queryset: QuerySet[Payment], done: str, use_case) -> None:
        succeeded = 0
        for order_id in queryset.values_list("order_id", flat=True):
            try:
                use_case(order_id=order_id)
                succeeded += 1
            except PaymentError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if succeeded:
            self.message_user(request, f"{succeeded} payment(s) {done}.", messages.SUCCESS)


@admin.register(ReceivedProviderEvent)
class ReceivedProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "type", "outcome", "received_at"]
    list_filter = ["provider", "outcome", "type"]
    search_fields = ["=event_id"]
