"""Thin DRF views of API.md § Orders: parse, call one service or selector, answer."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.orders import idempotency, operations, selectors
from shop.orders.errors import InvalidIdempotencyKey, OrderError, OrderNotFound
from shop.orders.http.answers import error_response, order_response
from shop.orders.http.placement import answer_placement
from shop.orders.http.serializers import OrderSerializer, PlaceOrderSerializer, order_body
from shop.orders.placement import LineRequest
from shop.platform.pagination import CursorPage
from shop.platform.permissions import staff_with
from shop.platform.problems import problem_responses
from shop.platform.throttling import FixedWindowScopedThrottle

NOT_AUTHENTICATED = {401: "No or an invalid token."}
NOT_FOUND = {404: "No such order among the caller's."}
STAFF_ONLY = {**NOT_AUTHENTICATED, 403: "Not staff, or staff without the permission."}
THROTTLED = {429: "Too many requests; see Retry-After."}
PROVIDER_BUSY = {503: "The payment provider did not answer; see Retry-After."}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="1-255 printable characters; retries with the same key get the first answer.",
)


def customer_id_of(request: Request) -> int:
    """The authenticated customer's id (every view here requires authentication)."""
    return cast(int, request.user.pk)


class ThrottledByScope(APIView):
    write_scope = "orders.write"

    def get_throttles(self) -> list[Any]:
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return []
        self.throttle_scope = self.write_scope
        return [FixedWindowScopedThrottle()]


def _idempotency_key(request: Request) -> str | None:
    try:
        return idempotency.checked_key(request.headers.get("Idempotency-Key"))
    except InvalidIdempotencyKey as error:
        raise serializers.ValidationError({"Idempotency-Key": [str(error)]}) from error


class OrderListCreateView(ThrottledByScope):
    permission_classes = [IsAuthenticated]
    write_scope = "orders.place"
    # Read by the schema generator too: the list is documented as a page.
    pagination_class = CursorPage

    @extend_schema(
        operation_id="orders_list",
        responses={
            200: OrderSerializer(many=True),
            **problem_responses({400: "Invalid limit or cursor.", **NOT_AUTHENTICATED}),
        },
        # Spectacular adds a paginator's parameters to generic views only.
        parameters=[
            OpenApiParameter("limit", int, description="Orders per page, 1 to 100."),
            OpenApiParameter("cursor", str, description="From the previous page's next link."),
        ],
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            selectors.orders_of_customer(customer_id=customer_id_of(request)), request, view=self
        )
        payments = selectors.payments_of(order_ids=[order.id for order in page])
        bodies = [order_body(order, payments.get(order.id)) for order in page]
        return paginator.get_paginated_response(bodies)

    @extend_schema(
        operation_id="orders_place",
        request=PlaceOrderSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OrderSerializer,
            **problem_responses(
                {
                    400: "Invalid body or Idempotency-Key; nothing was created.",
                    **NOT_AUTHENTICATED,
                    402: "The payment was declined (payment-declined).",
                    409: "The order was rejected: stock is short (insufficient-stock), a"
                    " product is no longer for sale (product-unavailable), the stock held ran"
                    " out of time (reservation-expired) or the order could not be completed"
                    " after an interruption (order-not-completed); or a request with this"
                    " Idempotency-Key is still running (request-in-progress).",
                    422: "The Idempotency-Key was used with another body.",
                    **THROTTLED,
                    **PROVIDER_BUSY,
                }
            ),
        },
    )
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request)
        parsed = PlaceOrderSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        lines = [
            LineRequest(sku=line["sku"], quantity=line["quantity"])
            for line in parsed.validated_data["lines"]
        ]
        return answer_placement(
            customer_id=customer_id_of(request),
            key=key,
            body=request.data,
            lines=lines,
            payment_method=parsed.validated_data["payment_method"],
        )


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orders_retrieve",
        responses={200: OrderSerializer, **problem_responses({**NOT_AUTHENTICATED, **NOT_FOUND})},
    )
    def get(self, request: Request, order_id: UUID) -> Response:
        order = selectors.order_of_customer(order_id=order_id, customer_id=customer_id_of(request))
        if order is None:
            return error_response(OrderNotFound(order_id))
        return order_response(order)


class OrderCancelView(ThrottledByScope):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="orders_cancel",
        request=None,
        responses={
            200: OrderSerializer,
            **problem_responses(
                {
                    **NOT_AUTHENTICATED,
                    **NOT_FOUND,
                    409: "The order is shipped or already final.",
                    **THROTTLED,
                    **PROVIDER_BUSY,
                }
            ),
        },
    )
    def post(self, request: Request, order_id: UUID) -> Response:
        if (
            selectors.order_of_customer(order_id=order_id, customer_id=customer_id_of(request))
            is None
        ):
            return error_response(OrderNotFound(order_id))
        try:
            return order_response(operations.cancel_order(order_id=order_id))
        except OrderError as error:
            return error_response(error)


class OrderShipView(ThrottledByScope):
    permission_classes = [staff_with("orders.ship_order")]

    @extend_schema(
        operation_id="orders_ship",
        request=None,
        responses={
            200: OrderSerializer,
            **problem_responses(
                {
                    **STAFF_ONLY,
                    404: "No such order.",
                    409: "The order is not confirmed or is being changed, or the ship was "
                    "refused: its stock lapsed, its payment cannot be captured, or the payment "
                    "was refunded in full at the provider (the order is then cancelled).",
                    **THROTTLED,
                    **PROVIDER_BUSY,
                }
            ),
        },
    )
    def post(self, request: Request, order_id: UUID) -> Response:
        try:
            return order_response(operations.ship_order(order_id=order_id))
        except OrderError as error:
            return error_response(error)


class OrderRefundView(ThrottledByScope):
    permission_classes = [staff_with("orders.refund_order")]

    @extend_schema(
        operation_id="orders_refund",
        request=None,
        responses={
            200: OrderSerializer,
            **problem_responses(
                {
                    **STAFF_ONLY,
                    404: "No such order.",
                    409: "The order is not shipped.",
                    **THROTTLED,
                    **PROVIDER_BUSY,
                }
            ),
        },
    )
    def post(self, request: Request, order_id: UUID) -> Response:
        try:
            return order_response(operations.refund_order(order_id=order_id))
        except OrderError as error:
            return error_response(error)
