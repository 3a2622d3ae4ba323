"""The outbox of each app database in the admin: find parked messages, re-drive them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from shop.platform.admin import ReadOnlyAdmin
from shop.platform.events.consumers import installed_app_aliases, redrive_parked
from shop.platform.events.delivery import redrive
from shop.platform.events.models import OUTBOX_PROXIES, OutboxMessage, ParkedConsumerMessage


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("pending", "Pending"),
            ("delivered", "Delivered"),
            ("parked", "Parked"),
            ("stream_pending", "Not yet on the stream or broker"),
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


class ParkedDatabaseFilter(admin.SimpleListFilter):
    """Which app database's parked messages to list (each app parks in its own)."""

    title = "database"
    parameter_name = "database"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(alias, alias) for alias in installed_app_aliases()]

    def value(self) -> str | None:
        chosen = super().value()
        aliases = installed_app_aliases()
        return chosen if chosen in aliases else next(iter(aliases), None)

    def choices(self, changelist: Any) -> Any:
        # Always one database: no "All" choice.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        alias = self.value()
        return queryset.using(alias) if alias else queryset.none()


@admin.register(ParkedConsumerMessage)
class ParkedConsumerMessageAdmin(ReadOnlyAdmin):
    """Events received from the broker that a subscriber kept failing on, per app database."""

    list_display = [
        "parked_at",
        "name",
        "event_id",
        "group",
        "topic",
        "partition",
        "offset",
        "attempts",
        "last_error",
        "applied_at",
    ]
    list_display_links = None
    list_filter = [ParkedDatabaseFilter, "name"]
    search_fields = ["=event_id", "name"]
    ordering = ["-id"]
    actions = ["redrive_parked"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        aliases = installed_app_aliases()
        queryset = super().get_queryset(request)
        return queryset.using(aliases[0]) if aliases else queryset.none()

    def has_redrive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("events.change_parkedconsumermessage")

    @admin.action(description="Re-drive selected parked messages", permissions=["redrive"])
    def redrive_parked(self, request: HttpRequest, queryset: QuerySet) -> None:
        alias = queryset.db
        count = redrive_parked(alias, queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"{count} parked message(s) of the {alias} database will be applied again.",
            messages.SUCCESS,
        )
