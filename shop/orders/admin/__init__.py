"""Django admin for orders: the support and warehouse staff's seat.

Money reads as currency amounts, customers by name and e-mail, the order page tells
the order's story across the apps, and every act goes through orders' use cases
behind its own permission (see ``actions``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from contracts.common import HistoryEntry, ServiceUnavailable
from contracts.currencies import money_text
from contracts.inventory import ReservationState
from shop.orders import selectors
from shop.orders.admin import operations  # noqa: F401  (registers the Operations section)
from shop.orders.admin.actions import ACTS, BY_SLUG, OrderAct, perform
from shop.orders.admin.changelist import (
    OrderChangeList,
    PaymentStateFilter,
    ProcessingFilter,
    search,
)
from shop.orders.models import Order
from shop.platform.accounts import CustomerCard, customers_by_id
from shop.platform.admin import ReadOnlyAdmin

TIME = "%Y-%m-%d %H:%M:%S"


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "total", "payment", "created_at")
    list_filter = ("status", PaymentStateFilter, ProcessingFilter, "created_at")
    search_fields = ("id",)  # the search itself is ``changelist.search``
    search_help_text = "An order id, a customer's username, e-mail or id, or a SKU."
    ordering = ("-created_at",)
    # No relation to follow: customers and payments live in other databases and are
    # read once per page by OrderChangeList.
    list_select_related = False
    show_full_result_count = False
    actions = list(ACTS)
    fieldsets = [
        (
            None,
            {"fields": ["status", "customer", "total", "created_at", "payment_method", "outcome"]},
        ),
        ("Lines", {"fields": ["lines_table"]}),
        ("Stock and payment", {"fields": ["reservation_state", "payment_state"]}),
        ("Timeline", {"fields": ["timeline"]}),
        (
            "Processing",
            {
                "classes": ["collapse"],
                "description": "How far the order's current step got (placement internals).",
                "fields": ["id", "operation", "driven_until", "driver_token", "updated_at"],
            },
        ),
    ]
    readonly_fields = [
        "status",
        "customer",
        "total",
        "created_at",
        "payment_method",
        "outcome",
        "lines_table",
        "reservation_state",
        "payment_state",
        "timeline",
        "id",
        "operation",
        "driven_until",
        "driver_token",
        "updated_at",
    ]

    # The list.

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[OrderChangeList]:
        return OrderChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        return search(queryset, search_term), False

    @admin.display(description="customer")
    def customer(self, order: Order) -> str:
        return customer_html(
            order.customer_id,
            getattr(order, "customer_card", None),
            linked=getattr(order, "can_view_users", False),
        )

    @admin.display(description="total", ordering="total_minor")
    def total(self, order: Order) -> str:
        return money_text(order.total_minor, order.currency)

    @admin.display(description="payment")
    def payment(self, order: Order) -> str:
        payment = getattr(order, "payment", None)
        if payment is None:
            return "none" if getattr(order, "payments_answered", True) else "unavailable"
        return str(payment.status).replace("_", " ")

    # The order page.

    def get_urls(self) -> list:
        confirm = self.admin_site.admin_view(self.confirm_view)
        return [
            path("<uuid:order_id>/act/<slug:act>/", confirm, name="orders_order_confirm"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        order_id = _uuid(object_id)
        order = (
            Order.objects.filter(pk=order_id).only("id", "status").first()
            if order_id is not None
            else None
        )
        acts = []
        if order is not None:
            acts = [
                {
                    "label": act.label,
                    "url": reverse("admin:orders_order_confirm", args=[order.pk, act.slug]),
                }
                for act in ACTS.values()
                if request.user.has_perm(act.permission) and act.allows(order)
            ]
        return super().change_view(
            request, object_id, form_url, {**(extra_context or {}), "order_acts": acts}
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        order = super().get_object(request, object_id, from_field)
        if order is not None:
            order.customer_card = customers_by_id([order.customer_id]).get(order.customer_id)
            # Customers' names link to the user admin for those who may read it.
            order.can_view_users = request.user.has_perm("auth.view_user")
        return order

    @admin.display(description="outcome")
    def outcome(self, order: Order) -> str:
        reason = order.reason.replace("_", " ")
        if order.short_skus:
            reason = f"{reason} (short: {', '.join(order.short_skus)})"
        return reason or "-"

    @admin.display(description="lines")
    def lines_table(self, order: Order) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line.sku,
                    line.quantity,
                    money_text(line.unit_price_minor, order.currency),
                    money_text(line.line_total_minor, order.currency),
                )
                for line in order.lines.all()
            ),
        )
        return format_html(
            '<table class="order-lines"><thead><tr><th>SKU</th><th>quantity</th>'
            "<th>unit price</th><th>line total</th></tr></thead><tbody>{}</tbody>"
            '<tfoot><tr><th colspan="3">total</th><th>{}</th></tr></tfoot></table>',
            rows,
            money_text(order.total_minor, order.currency),
        )

    @admin.display(description="reservation (inventory)")
    def reservation_state(self, order: Order) -> str:
        try:
            reservation = selectors.reservation_of(order_id=order.id)
        except ServiceUnavailable as exc:
            return unavailable(exc)
        if reservation is None:
            return "none"
        lines = ", ".join(f"{line.quantity} x {line.sku}" for line in reservation.lines)
        if reservation.state != ReservationState.RESERVED:
            return f"{reservation.state}: {lines}"
        if reservation.expires_at is None:
            return f"{reservation.state}: {lines}, held until shipped or cancelled"
        return f"{reservation.state}: {lines}, expires {reservation.expires_at:{TIME}}"

    @admin.display(description="payment (payments)")
    def payment_state(self, order: Order) -> str:
        try:
            payment = selectors.payment_of(order_id=order.id)
        except ServiceUnavailable as exc:
            return unavailable(exc)
        if payment is None:
            return "none"
        currency = payment.amount.currency
        text = (
            f"{str(payment.status).replace('_', ' ')}: "
            f"{money_text(payment.amount.amount_minor, currency)} authorized, "
            f"{money_text(payment.captured_minor, currency)} captured, "
            f"{money_text(payment.refunded_minor, currency)} refunded"
        )
        if payment.decline_reason:
            text += f" ({payment.decline_reason})"
        return text

    @admin.display(description="what happened, newest first")
    def timeline(self, order: Order) -> str:
        rows = format_html_join(
            "",
            '<tr class="timeline-entry"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    entry.at.astimezone(timezone.get_current_timezone()).strftime(TIME),
                    entry.app,
                    entry.what,
                    outcome_html(entry),
                )
                for entry in selectors.order_timeline(order)
            ),
        )
        return format_html(
            '<table class="order-timeline"><thead><tr><th>time</th><th>app</th><th>what</th>'
            "<th>outcome</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    # Acts: ship, cancel, refund (see actions.py).

    def has_ship_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTS["ship_orders"].permission)

    def has_cancel_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTS["cancel_orders"].permission)

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ACTS["refund_orders"].permission)

    @admin.action(description=ACTS["ship_orders"].description, permissions=["ship"])
    def ship_orders(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._act(request, queryset, ACTS["ship_orders"])

    @admin.action(description=ACTS["cancel_orders"].description, permissions=["cancel"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._act(request, queryset, ACTS["cancel_orders"])

    @admin.action(description=ACTS["refund_orders"].description, permissions=["refund"])
    def refund_orders(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._act(request, queryset, ACTS["refund_orders"])

    def confirm_view(self, request: HttpRequest, order_id: UUID, act: str) -> HttpResponse:
        """The order page's buttons lead here: the confirmation page for one order."""
        chosen = BY_SLUG.get(act)
        if chosen is None:
            raise Http404("No such act.")
        if not request.user.has_perm(chosen.permission):
            raise PermissionDenied
        queryset = Order.objects.filter(pk=order_id)
        if not queryset.exists():
            raise Http404("No such order.")
        return self._confirmation(request, queryset, chosen)

    def _act(self, request: HttpRequest, queryset: QuerySet, act: OrderAct) -> HttpResponse | None:
        if "confirm" not in request.POST:
            return self._confirmation(request, queryset, act)
        order_ids = list(queryset.values_list("pk", flat=True))
        outcome = perform(act, order_ids)
        for text in outcome.succeeded:
            self.message_user(request, text, messages.SUCCESS)
        for text in outcome.refused:
            self.message_user(request, text, messages.ERROR)
        if len(order_ids) == 1:
            # One order: back to its page, where its timeline shows what just happened.
            return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order_ids[0]]))
        return None

    def _confirmation(
        self, request: HttpRequest, queryset: QuerySet, act: OrderAct
    ) -> TemplateResponse:
        orders = list(queryset.prefetch_related("lines").order_by("-created_at"))
        try:
            payments = selectors.payments_of(order_ids=[order.id for order in orders])
        except ServiceUnavailable:
            # The plan is told from the orders alone; the act itself may still be refused.
            payments = {}
        plans = [
            (order, act.plan(order, payments.get(order.id)), act.allows(order)) for order in orders
        ]
        return TemplateResponse(
            request,
            "admin/orders/order/confirm_act.html",
            {
                **self.admin_site.each_context(request),
                "title": f"{act.label} {len(orders)} order(s)?",
                "opts": self.model._meta,
                "act": act,
                "plans": plans,
                "any_allowed": any(allowed for _, _, allowed in plans),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


def customer_html(customer_id: int, card: CustomerCard | None, *, linked: bool) -> str:
    """A customer's username and e-mail; the username links to them for those who may look."""
    their_orders = f"{reverse('admin:orders_order_changelist')}?customer_id={customer_id}"
    if card is None:
        return format_html('<a href="{}">customer {}</a> (unknown)', their_orders, customer_id)
    name = card.username
    if linked:
        name = format_html(
            '<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[customer_id]), name
        )
    return format_html(
        '{} &lt;<a href="mailto:{}">{}</a>&gt; · <a href="{}">their orders</a>',
        name,
        card.email,
        card.email or "no e-mail",
        their_orders,
    )


def unavailable(error: ServiceUnavailable) -> str:
    return f"{error.service} cannot be reached right now"


def outcome_html(entry: HistoryEntry) -> str:
    """The entry's outcome; a published event links to its outbox row (to re-drive it)."""
    if not entry.event_id:
        return entry.outcome
    try:
        url = reverse("admin:events_outboxmessage_changelist")
    except NoReverseMatch:
        return entry.outcome
    return format_html(
        '<a href="{}?database={}&amp;q={}">{}</a>', url, entry.app, entry.event_id, entry.outcome
    )


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None
