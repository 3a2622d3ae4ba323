"""The outbox of each app database in the admin: find parked messages, re-drive them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from shop.platform.admin import ReadOnlyAdmin
from shop.platform.events.delivery import redrive
from shop.platform.events.models import OUTBOX_PROXIES, OutboxMessage
from shop.platform.operations import OperationsItem, operations_section


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("pending", "Pending"),
            ("delivered", "Delivered"),
            ("parked", "Parked"),
            ("stream_pending", "Not yet on the stream"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        match self.value():
            case "pending":
                return queryset.filter(delivered_at__isnull=True, parked_at__isnull=True)
            case "delivered":
                return queryset.filter(delivered_at__isnull=False)
            case "parked":
                return queryset.filter(parked_at__isnull=False)
            case "stream_pending":
                return queryset.filter(stream_pending=True)
        return queryset


class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only view of one app database's outbox (``alias``)."""

    alias: str
    list_display = [
        "occurred_at",
        "name",
        "event_id",
        "attempts",
        "delivered_at",
        "parked_at",
        "next_attempt_at",
    ]
    list_filter = [StateFilter, "name"]
    search_fields = ["=event_id", "name"]
    ordering = ["-occurred_at"]
    date_hierarchy = "occurred_at"
    actions = ["redrive_parked"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).using(self.alias)

    def has_redrive_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Re-drive selected parked messages", permissions=["redrive"])
    def redrive_parked(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = redrive(self.alias, queryset.values_list("event_id", flat=True))
        self.message_user(
            request,
            f"{count} parked message(s) of the {self.alias} outbox will be delivered again.",
            messages.SUCCESS,
        )


def _register_outbox_admins() -> None:
    for alias, proxy in OUTBOX_PROXIES.items():
        model_admin = type(f"{proxy.__name__}Admin", (OutboxMessageAdmin,), {"alias": alias})
        admin.site.register(proxy, model_admin)


_register_outbox_admins()


@operations_section("Events")
def parked_events(request: HttpRequest) -> list[OperationsItem]:
    """Parked events of each outbox the user may read: each waits for a re-drive."""
    items = []
    for alias, proxy in OUTBOX_PROXIES.items():
        opts = proxy._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        parked = OutboxMessage.objects.using(alias).filter(
            parked_at__isnull=False, delivered_at__isnull=True
        )
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        items.append(
            OperationsItem(
                title=f"Parked {alias} events",
                count=parked.count(),
                url=f"{url}?state=parked",
                hint="Delivery failed too often; fix the cause, then re-drive them.",
            )
        )
    return items
