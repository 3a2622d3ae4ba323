"""Answering POST /api/v1/orders/ with the Idempotency-Key semantics of API.md § Orders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import serializers, status
from rest_framework.response import Response

from shop.orders import idempotency, placement
from shop.orders.errors import (
    KeyAlreadyClaimed,
    OrderBusy,
    OrderError,
    OrderInvalid,
    RequestInProgress,
)
from shop.orders.http.answers import error_response, placement_response, replayed_response
from shop.orders.idempotency import ClaimKind
from shop.orders.models import IdempotencyRecord
from shop.orders.placement import LineRequest


def answer_placement(
    *,
    customer_id: int,
    key: str | None,
    body: Any,
    lines: Sequence[LineRequest],
    payment_method: str,
) -> Response:
    """Place the order, or answer a retry of ``key`` as its first request was answered.

    Only final answers (201, 409, 402) are remembered; a 400 forgets the key and a 503
    lets the next retry resume the same order at once.
    """
    if key is None:
        try:
            placed = placement.place_order(
                customer_id=customer_id, lines=lines, payment_method=payment_method
            )
        except OrderInvalid as error:
            raise invalid(error) from error
        return placement_response(placed.order, payment=placed.payment)

    request_fingerprint = idempotency.fingerprint(body)
    record = idempotency.new_claim(
        customer_id=customer_id, key=key, request_fingerprint=request_fingerprint
    )
    try:
        # A key seen for the first time is claimed by the transaction creating the order.
        placed = placement.place_order(
            customer_id=customer_id,
            lines=lines,
            payment_method=payment_method,
            idempotency_record=record,
        )
    except (KeyAlreadyClaimed, OrderInvalid):
        # Nothing was created: the key, if seen before, decides the answer.
        return _answer_by_key(
            customer_id=customer_id,
            key=key,
            request_fingerprint=request_fingerprint,
            lines=lines,
            payment_method=payment_method,
        )
    except BaseException:
        if record.pk is not None:
            idempotency.release_key(record=record)
        raise
    return _remembered(record, placement_response(placed.order, payment=placed.payment))


def _answer_by_key(
    *,
    customer_id: int,
    key: str,
    request_fingerprint: str,
    lines: Sequence[LineRequest],
    payment_method: str,
) -> Response:
    for _ in range(2):
        try:
            return _answer_by_claim(
                customer_id=customer_id,
                key=key,
                request_fingerprint=request_fingerprint,
                lines=lines,
                payment_method=payment_method,
            )
        except KeyAlreadyClaimed:
            # This request stalled past its lease, and another took the key over and
            # created the order: the key, as it now stands, decides the answer.
            continue
    return error_response(RequestInProgress(key, retry_after=1))


def _answer_by_claim(
    *,
    customer_id: int,
    key: str,
    request_fingerprint: str,
    lines: Sequence[LineRequest],
    payment_method: str,
) -> Response:
    """Claim the key and answer; raises ``KeyAlreadyClaimed`` (leaving the key alone)
    when another request took it over while this one ran."""
    try:
        claim = idempotency.claim_key(
            customer_id=customer_id, key=key, request_fingerprint=request_fingerprint
        )
    except OrderError as error:
        return error_response(error)
    record = claim.record
    if claim.kind is ClaimKind.REPLAY and record.response_status is not None:
        return replayed_response(record.response_status, record.response_body)
    try:
        if record.order_id is not None:
            placed = placement.Placed(placement.resume_placement(order_id=record.order_id))
        else:
            placed = placement.place_order(
                customer_id=customer_id,
                lines=lines,
                payment_method=payment_method,
                idempotency_record=record,
            )
    except OrderInvalid as error:
        idempotency.abandon_key(record=record)
        raise invalid(error) from error
    except OrderBusy:
        idempotency.release_key(record=record)
        return error_response(RequestInProgress(key, retry_after=1))
    except KeyAlreadyClaimed:
        raise  # the lease is another request's now: not ours to release
    except BaseException:
        # Let the client's retry resume at once instead of waiting out the lease.
        idempotency.release_key(record=record)
        raise
    return _remembered(record, placement_response(placed.order, payment=placed.payment))


def _remembered(record: IdempotencyRecord, response: Response) -> Response:
    """Store a final answer for the retries; a 503 lets the next retry resume at once."""
    if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        idempotency.release_key(record=record)
    else:
        idempotency.complete_key(record=record, status=response.status_code, body=response.data)
    return response


def invalid(error: OrderInvalid) -> serializers.ValidationError:
    """The use case's per-field errors as DRF's, which render as a 400 problem."""
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        fields.setdefault(item["field"], []).append(item["message"])
    return serializers.ValidationError(fields)
