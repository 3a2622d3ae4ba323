"""The outbox of each app database in the admin: find parked messages, re-drive them.

One admin serves every app database's outbox; the ``database`` filter chooses which
(the apps served by this process, first by default).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from shop.platform.admin import ReadOnlyAdmin
from shop.platform.domains import app_database_aliases
from shop.platform.events import consumers
from shop.platform.events.delivery import redrive
from shop.platform.events.models import OutboxMessage, ParkedConsumerMessage
from shop.platform.operations import OperationsItem, operations_section

DATABASE_PARAMETER = "database"


def outbox_database(request: HttpRequest) -> str:
    """The app database whose events (its outbox, or what it parked) ``request`` looks
    at (the first one by default).

    The changelist names it in its query; a page reached from it (a message, an
    action's confirmation) carries it in ``_changelist_filters``.
    """
    aliases = app_database_aliases()
    requested = request.GET.get(DATABASE_PARAMETER)
    if requested is None:
        preserved = parse_qs(request.GET.get("_changelist_filters", ""))
        requested = preserved.get(DATABASE_PARAMETER, [None])[0]
    return requested if requested in aliases else aliases[0]


class DatabaseFilter(admin.SimpleListFilter):
    """Which app database's outbox the list shows: exactly one at a time."""

    title = "app database"
    parameter_name = DATABASE_PARAMETER
    shown_as = "{alias} outbox"

    def __init__(self, request: HttpRequest, *args: Any) -> None:
        super().__init__(request, *args)
        self.current = outbox_database(request)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(alias, self.shown_as.format(alias=alias)) for alias in app_database_aliases()]

    def choices(self, changelist: Any) -> Any:
        for alias, title in self.lookup_choices:
            yield {
                "selected": alias == self.current,
                "query_string": changelist.get_query_string({self.parameter_name: alias}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        # The admin's get_queryset already reads the chosen database.
        return queryset


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


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Read-only view of the outbox of one app database at a time."""

    list_display = [
        "occurred_at",
        "name",
        "event_id",
        "attempts",
        "delivered_at",
        "parked_at",
        "next_attempt_at",
    ]
    list_filter = [DatabaseFilter, StateFilter, "name"]
    search_fields = ["=event_id", "name"]
    ordering = ["-occurred_at"]
    date_hierarchy = "occurred_at"
    actions = ["redrive_parked"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).using(outbox_database(request))

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> OutboxMessage | None:
        # Event ids are unique across databases: a message is found wherever it is.
        try:
            event_id = uuid.UUID(object_id)
        except ValueError:
            return None
        for alias in app_database_aliases():
            message = OutboxMessage.objects.using(alias).filter(event_id=event_id).first()
            if message is not None:
                return message
        return None

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        title = f"{outbox_database(request)} outbox"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def has_redrive_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description="Re-drive selected parked messages", permissions=["redrive"])
    def redrive_parked(self, request: HttpRequest, queryset: QuerySet) -> None:
        alias = queryset.db
        count = redrive(alias, queryset.values_list("event_id", flat=True))
        self.message_user(
            request,
            f"{count} parked message(s) of the {alias} outbox will be delivered again.",
            messages.SUCCESS,
        )


class ParkedDatabaseFilter(DatabaseFilter):
    """Which app database's parked messages the list shows (each app parks in its own)."""

    shown_as = "parked in {alias}"


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
        "next_attempt_at",
        "last_error",
        "applied_at",
    ]
    list_display_links = None
    list_filter = [ParkedDatabaseFilter, "name"]
    search_fields = ["=event_id", "name"]
    ordering = ["-id"]
    actions = ["redrive_parked"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).using(outbox_database(request))

    def has_redrive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("events.change_parkedconsumermessage")

    @admin.action(description="Re-drive selected parked messages", permissions=["redrive"])
    def redrive_parked(self, request: HttpRequest, queryset: QuerySet) -> None:
        alias = queryset.db
        count = consumers.redrive_parked(alias, queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"{count} parked message(s) of the {alias} database will be applied again.",
            messages.SUCCESS,
        )


@operations_section("Events")
def parked_events(request: HttpRequest) -> list[OperationsItem]:
    """Parked events of each app database, published (outbox) or received from the
    broker: each waits for its cause to be fixed and a re-drive."""
    items = []
    aliases = app_database_aliases()
    if request.user.has_perm("events.view_outboxmessage"):
        url = reverse("admin:events_outboxmessage_changelist")
        items += [
            OperationsItem(
                title=f"Parked {alias} events",
                count=OutboxMessage.objects.using(alias)
                .filter(parked_at__isnull=False, delivered_at__isnull=True)
                .count(),
                url=f"{url}?{DATABASE_PARAMETER}={alias}&state=parked",
                hint="Delivery failed too often; fix the cause, then re-drive them.",
            )
            for alias in aliases
        ]
    if request.user.has_perm("events.view_parkedconsumermessage"):
        url = reverse("admin:events_parkedconsumermessage_changelist")
        items += [
            OperationsItem(
                title=f"Events received by {alias} and parked",
                count=ParkedConsumerMessage.objects.using(alias)
                .filter(parked_at__isnull=False, applied_at__isnull=True)
                .count(),
                url=f"{url}?{DATABASE_PARAMETER}={alias}",
                hint="A subscriber kept failing on them; fix the cause, then re-drive them.",
            )
            for alias in aliases
        ]
    return items
