"""Django admin for payments: read-only records and their provider ledger.

Money moves only through orders' use cases (ship, cancel, refund), so the order's
status, its stock and its payment never disagree: nothing here captures, voids or
refunds. Each payment links to its order, where those actions live.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from contracts.currencies import money_text
from contracts.payments import PaymentStatus
from shop.payments import selectors
from shop.payments.models import Payment, ProviderInteraction, ReceivedProviderEvent
from shop.platform.admin import ReadOnlyAdmin
from shop.platform.operations import OperationsItem, operations_section


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


class UnansweredFilter(admin.SimpleListFilter):
    title = "provider call"
    parameter_name = "unanswered"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Unanswered, waiting for the resolver")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.unanswered_payments().values("pk"))
        return queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "order_link",
        "status",
        "amount",
        "captured",
        "refunded",
        "provider",
        "created_at",
    ]
    list_filter = ["status", UnansweredFilter, "provider", "currency", "created_at"]
    search_fields = ["=order_id", "=provider_reference"]
    date_hierarchy = "created_at"
    inlines = [ProviderInteractionInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "order_link",
                    "status",
                    "amount",
                    "captured",
                    "refunded",
                    "payment_method",
                    "decline_reason",
                    "provider",
                    "provider_reference",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        (
            "Processing",
            {
                "classes": ["collapse"],
                "fields": [
                    "pending_operation",
                    "pending_key",
                    "pending_amount",
                    "pending_since",
                    "in_flight_until",
                    "refunds_requested",
                ],
            },
        ),
    ]
    readonly_fields = [
        "order_link",
        "pending_amount",
        "amount",
        "captured",
        "refunded",
        *(field.name for field in Payment._meta.fields),
    ]

    @admin.display(description="order", ordering="order_id")
    def order_link(self, payment: Payment) -> str:
        try:
            # By URL name only: the orders admin may be served by another process.
            url = reverse("admin:orders_order_change", args=[payment.order_id])
        except NoReverseMatch:
            return str(payment.order_id)
        return format_html('<a href="{}">{}</a>', url, payment.order_id)

    @admin.display(description="amount", ordering="amount_minor")
    def amount(self, payment: Payment) -> str:
        return money_text(payment.amount_minor, payment.currency)

    @admin.display(description="pending amount")
    def pending_amount(self, payment: Payment) -> str:
        if payment.pending_amount_minor is None:
            return "-"
        return money_text(payment.pending_amount_minor, payment.currency)

    @admin.display(description="captured", ordering="captured_minor")
    def captured(self, payment: Payment) -> str:
        return money_text(payment.captured_minor, payment.currency)

    @admin.display(description="refunded", ordering="refunded_minor")
    def refunded(self, payment: Payment) -> str:
        return money_text(payment.refunded_minor, payment.currency)


@admin.register(ReceivedProviderEvent)
class ReceivedProviderEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "type", "outcome", "received_at"]
    list_filter = ["provider", "outcome", "type"]
    search_fields = ["=event_id"]


@operations_section("Payments")
def unresolved_payments(request: HttpRequest) -> list[OperationsItem]:
    if not request.user.has_perm("payments.view_payment"):
        return []
    changelist = reverse("admin:payments_payment_changelist")
    return [
        OperationsItem(
            title="Unresolved payments",
            count=Payment.objects.filter(status=PaymentStatus.UNRESOLVED).count(),
            url=f"{changelist}?status__exact={PaymentStatus.UNRESOLVED.value}",
            hint="The provider never answered the authorization; the resolver asks it again.",
        ),
        OperationsItem(
            title="Unanswered provider calls",
            count=selectors.unanswered_payments().count(),
            url=f"{changelist}?unanswered=yes",
            hint="A capture, void or refund got no answer; the resolver settles it.",
        ),
    ]
