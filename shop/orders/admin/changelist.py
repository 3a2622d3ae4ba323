"""The orders list: who the customers are and what their payments did, per page.

Customers live on ``default`` and payments in their own app: each page asks each of
them once (no join across databases), so the queries of a page do not grow with it.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from contracts.common import ServiceUnavailable
from contracts.payments import PaymentStatus
from shop.orders import selectors
from shop.orders.models import Operation, OrderLine
from shop.platform.accounts import customer_ids_matching, customers_by_id

# The payment filter asks payments for the ids of orders in a state; past this many
# (newest first) the list shows only those.
PAYMENT_FILTER_LIMIT = 5000


class OrderChangeList(ChangeList):
    """Attaches ``customer_card`` and ``payment`` to each order of the page."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        orders = list(self.result_list)
        customers = customers_by_id(order.customer_id for order in orders)
        try:
            payments = selectors.payments_of(order_ids=[order.id for order in orders])
            payments_answered = True
        except ServiceUnavailable:
            # The list still serves; the column says payments could not be asked.
            payments, payments_answered = {}, False
        can_view_users = request.user.has_perm("auth.view_user")
        for order in orders:
            order.customer_card = customers.get(order.customer_id)
            order.payment = payments.get(order.id)
            order.payments_answered = payments_answered
            order.can_view_users = can_view_users
        self.result_list = orders


class PaymentStateFilter(admin.SimpleListFilter):
    title = "payment"
    parameter_name = "payment"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(status.value, status.value.replace("_", " ")) for status in PaymentStatus]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value not in {status.value for status in PaymentStatus}:
            return queryset
        try:
            ids = selectors.order_ids_with_payment_status(
                statuses=[PaymentStatus(value)], limit=PAYMENT_FILTER_LIMIT
            )
        except ServiceUnavailable:
            messages.warning(request, "Payments cannot be reached right now: no order is shown.")
            return queryset.none()
        return queryset.filter(pk__in=ids)


class ProcessingFilter(admin.SimpleListFilter):
    title = "processing"
    parameter_name = "processing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("stuck", "Pending past the deadline"),
            ("busy", "Being changed (or left mid-way)"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "stuck":
            stuck = selectors.pending_past_deadline(now=timezone.now())
            return queryset.filter(pk__in=stuck.values("pk"))
        if self.value() == "busy":
            return queryset.exclude(operation=Operation.NONE)
        return queryset


def search(queryset: QuerySet, term: str) -> QuerySet:
    """Orders matching ``term``: an order id, a customer id, username, e-mail or SKU."""
    term = term.strip()
    if not term:
        return queryset
    try:
        return queryset.filter(pk=UUID(term))
    except ValueError:
        pass
    if term.isdigit():
        return queryset.filter(customer_id=int(term))
    by_sku = OrderLine.objects.filter(sku__iexact=term).values("order_id")
    return queryset.filter(Q(customer_id__in=customer_ids_matching(term)) | Q(pk__in=by_sku))
