"""Endpoints that exist only for these tests: an order placement driving two bindings,
a cached read, an item route with an id, a problem, a crash, and whether the libraries'
instrumentation is on."""

import logging
import uuid

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.urls import include, path
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

import shop.urls
from contracts.common import Money
from contracts.inventory import InsufficientStock, InventoryService, StockLine
from contracts.payments import PaymentsService
from shop.platform.bindings import bound
from shop.platform.problems import Problem

logger = logging.getLogger(__name__)


def place_order(request):
    order_id = uuid.uuid4()
    logger.info("placing order %s", order_id)
    with connections["orders"].cursor() as cursor:
        cursor.execute("SELECT %s::uuid", [order_id])
    lines = [StockLine(sku="TEE-BLACK-M", quantity=2)]
    try:
        bound(InventoryService).reserve(order_id=order_id, lines=lines)
    except InsufficientStock:
        return JsonResponse({"status": "rejected"}, status=409)
    payment = bound(PaymentsService).authorize(
        order_id=order_id, amount=Money(2500, "EUR"), payment_method="pm_card_visa"
    )
    return JsonResponse({"id": str(order_id), "payment": payment.status}, status=201)


def catalog(request):
    """Cache-aside read: the cache is a shortcut, the database the source."""
    names = cache.get("observability-test:catalog")
    if names is None:
        with connections["inventory"].cursor() as cursor:
            cursor.execute("SELECT 'TEE-BLACK-M'")
            names = [row[0] for row in cursor.fetchall()]
        cache.set("observability-test:catalog", names, timeout=60)
    return JsonResponse({"results": names})


def thing(request, thing_id):
    return JsonResponse({"id": str(thing_id)})


@api_view(["GET"])
@permission_classes([AllowAny])
def refuse(request):
    raise Problem(status_code=409, type="insufficient-stock", title="Sold out", detail="None left")


def crash(request):
    raise RuntimeError("the view broke")


def instrumented(request):
    """Whether the libraries' instrumentation would make spans here."""
    return JsonResponse({"instrumented": is_instrumentation_enabled()})


urlpatterns = [
    path(
        "observability-test/",
        include(
            [
                path("orders/", place_order),
                path("catalog/", catalog),
                path("things/<uuid:thing_id>/", thing),
                path("crash/", crash),
                path("refuse/", refuse),
                path("instrumented/", instrumented),
            ]
        ),
    ),
    path("", include("shop.urls")),
]

# Django looks up its error views on the root URLconf: the same as the project's.
handler400 = shop.urls.handler400
handler403 = shop.urls.handler403
handler404 = shop.urls.handler404
handler500 = shop.urls.handler500
