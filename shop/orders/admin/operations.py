"""Orders' section of the admin's Operations page: orders that need a person."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from shop.orders import selectors
from shop.orders.models import Operation, Order
from shop.platform.operations import OperationsItem, operations_section


@operations_section("Orders")
def stuck_orders(request: HttpRequest) -> list[OperationsItem]:
    if not request.user.has_perm("orders.view_order"):
        return []
    changelist = reverse("admin:orders_order_changelist")
    return [
        OperationsItem(
            title="Pending orders past their deadline",
            count=selectors.pending_past_deadline(now=timezone.now()).count(),
            url=f"{changelist}?processing=stuck",
            hint="Placement stopped; the reconciler drives them on or compensates.",
        ),
        OperationsItem(
            title="Orders left mid-change",
            count=Order.objects.exclude(operation=Operation.NONE).count(),
            url=f"{changelist}?processing=busy",
            hint="A ship, cancel or refund is running, or a dead process left it; "
            "the reconciler finishes it.",
        ),
    ]
