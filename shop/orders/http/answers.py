"""How an order's outcome is answered, and how errors of the orders use cases map to problems."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response

from contracts.orders import OrderStatus
from contracts.payments import Payment
from shop.orders import conf, placement, selectors
from shop.orders.errors import (
    IdempotencyKeyReused,
    IllegalTransition,
    OperationRefused,
    OrderBusy,
    OrderError,
    OrderNotFound,
    PaymentProviderBusy,
    RequestInProgress,
)
from shop.orders.http.serializers import order_body
from shop.orders.models import Order
from shop.platform.problems import PROBLEM_CONTENT_TYPE, problem_response

# The problem type, title and detail of a rejected order, by its reason (Order.reason);
# docs/orders-problems.md lists them for clients.
REJECTIONS = {
    placement.REJECTED_STOCK_SHORT: (
        "insufficient-stock",
        "Insufficient stock",
        "Not enough stock for {skus}.",
    ),
    placement.REJECTED_UNAVAILABLE: (
        "product-unavailable",
        "Product unavailable",
        "No longer for sale: {skus}.",
    ),
    placement.REJECTED_RESERVATION_EXPIRED: (
        "reservation-expired",
        "Reservation expired",
        "The stock held for this order ran out of time before the payment was done;"
        " it was not placed.",
    ),
    placement.REJECTED_NOT_COMPLETED: (
        "order-not-completed",
        "Order not completed",
        "The order could not be completed after an interruption; it was not placed.",
    ),
}
REJECTED_OTHERWISE = ("order-rejected", "Order rejected", "The order was not placed.")


def order_location(order_id: Any) -> str:
    return f"/api/v1/orders/{order_id}/"


def order_response(
    order: Order, *, status_code: int = status.HTTP_200_OK, payment: Payment | None = None
) -> Response:
    """The order's body; its payment as given, or (``None``) as payments reports it now."""
    if payment is None:
        payment = selectors.payment_of(order_id=order.id)
    headers = {"Location": order_location(order.id)} if status_code == 201 else None
    return Response(order_body(order, payment), status=status_code, headers=headers)


def placement_response(order: Order, *, payment: Payment | None = None) -> Response:
    """The answer to placing ``order``: 201, 409 stock short, 402 declined, 503 unsettled.

    ``payment`` is the order's payment as placing it left it, when known.
    """
    if order.status == OrderStatus.REJECTED:
        skus = list(order.short_skus)
        problem_type, title, detail = REJECTIONS.get(order.reason, REJECTED_OTHERWISE)
        return problem_response(
            status_code=409,
            type=problem_type,
            title=title,
            detail=detail.format(skus=", ".join(skus)),
            order_id=str(order.id),
            skus=skus,
            reason=order.reason,
        )
    if order.status == OrderStatus.PAYMENT_FAILED:
        return problem_response(
            status_code=402,
            type="payment-declined",
            title="Payment declined",
            detail=f"The payment was declined: {order.reason}.",
            order_id=str(order.id),
            reason=order.reason,
        )
    if order.status == OrderStatus.PENDING:
        return problem_response(
            status_code=503,
            type="payment-provider-unavailable",
            title="Payment provider unavailable",
            detail="The payment provider did not answer; retry with the same Idempotency-Key.",
            headers={"Retry-After": str(conf.provider_retry_after())},
            order_id=str(order.id),
        )
    return order_response(order, status_code=status.HTTP_201_CREATED, payment=payment)


def replayed_response(status_code: int, body: Any) -> Response:
    """The stored first answer, given again."""
    if status_code >= 400:
        return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)
    headers = {"Location": order_location(body["id"])} if status_code == 201 else None
    return Response(body, status=status_code, headers=headers)


def error_response(error: OrderError) -> Response:
    """The problem a domain error of the orders app is answered with."""
    match error:
        case OrderNotFound():
            return problem_response(
                status_code=404, type="not-found", title="Not found", detail="No such order."
            )
        case IllegalTransition():
            return problem_response(
                status_code=409,
                type="invalid-order-state",
                title="Not allowed in the order's status",
                detail=str(error),
                order_id=str(error.order_id),
                order_status=error.status,
            )
        case OrderBusy():
            return problem_response(
                status_code=409,
                type="order-busy",
                title="Order is being changed",
                detail=str(error),
                headers={"Retry-After": "1"},
            )
        case OperationRefused():
            return problem_response(
                status_code=409, type="operation-refused", title="Refused", detail=str(error)
            )
        case PaymentProviderBusy():
            return problem_response(
                status_code=503,
                type="payment-provider-unavailable",
                title="Payment provider unavailable",
                detail=str(error),
                headers={"Retry-After": str(conf.provider_retry_after())},
            )
        case IdempotencyKeyReused():
            return problem_response(
                status_code=422,
                type="idempotency-key-reused",
                title="Idempotency-Key reused",
                detail="This Idempotency-Key was used with a different request body.",
            )
        case RequestInProgress():
            return problem_response(
                status_code=409,
                type="request-in-progress",
                title="Request in progress",
                detail="A request with this Idempotency-Key is still running; retry shortly.",
                headers={"Retry-After": str(error.retry_after)},
            )
    raise error
