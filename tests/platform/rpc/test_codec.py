"""Contract values cross the wire exactly: encoded, serialized, parsed and decoded again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from contracts.common import Money
from contracts.inventory import (
    InsufficientStock,
    InventoryService,
    Product,
    Reservation,
    ReservationClosed,
    ReservationState,
    StockLine,
)
from contracts.orders import Order, OrderLine, OrdersService, OrderStatus
from contracts.payments import (
    Payment,
    PaymentsService,
    PaymentStatus,
    RefundExceedsCapture,
)
from shop.platform.rpc import codec
from shop.platform.rpc.schema import contract_schema


def across_the_wire(contract, method_name, result):
    schema = contract_schema(contract)
    method = schema.method(method_name)
    message = codec.encode_response(schema, method, result)
    parsed = type(message).FromString(message.SerializeToString())
    return codec.decode_response(method, parsed)


def error_across_the_wire(contract, exc):
    schema = contract_schema(contract)
    error = schema.error(type(exc).__name__)
    return codec.decode_error(schema, error, codec.encode_error(schema, error, exc))


@pytest.mark.parametrize("state", list(ReservationState))
def test_a_reservation_in_every_state_round_trips(state):
    reservation = Reservation(
        order_id=uuid4(),
        state=state,
        lines=(StockLine("A-1", 3), StockLine("B-2", 1)),
        expires_at=datetime(2026, 11, 30, 20, 1, 2, 345678, tzinfo=UTC),
    )

    assert across_the_wire(InventoryService, "hold", reservation) == reservation


def test_a_time_in_another_zone_is_the_same_instant_read_back_in_utc():
    paris = timezone(timedelta(hours=1))
    reservation = Reservation(
        uuid4(), ReservationState.RESERVED, (), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=paris)
    )

    back = across_the_wire(InventoryService, "hold", reservation)

    assert back.expires_at == reservation.expires_at
    assert back.expires_at.tzinfo == UTC
    assert back.lines == ()


def test_absent_optionals_stay_none_and_zero_stays_zero():
    payment = Payment(uuid4(), PaymentStatus.AUTHORIZED, Money(0, "JPY"), 0, 0, "sim", None, None)
    held = Reservation(uuid4(), ReservationState.RESERVED, (StockLine("A-1", 1),), None)

    assert across_the_wire(PaymentsService, "get", payment) == payment
    assert across_the_wire(PaymentsService, "get", None) is None
    assert across_the_wire(InventoryService, "hold", held).expires_at is None
    assert across_the_wire(InventoryService, "release", None) is None


@pytest.mark.parametrize("status", list(PaymentStatus))
def test_money_at_the_edges_and_every_payment_status_round_trip(status):
    payment = Payment(
        order_id=uuid4(),
        status=status,
        amount=Money(2**62, "BHD"),
        captured_minor=2**62,
        refunded_minor=1,
        provider="simulated",
        provider_reference="ref_1",
        decline_reason="card_declined",
    )

    assert across_the_wire(PaymentsService, "capture", payment) == payment


def test_maps_keyed_by_uuid_and_by_sku_and_sets_round_trip():
    first, second = uuid4(), uuid4()
    payments = {
        first: Payment(first, PaymentStatus.CAPTURED, Money(1, "EUR"), 1, 0, "s", "r", None),
        second: Payment(second, PaymentStatus.VOIDED, Money(2, "USD"), 0, 0, "s", None, None),
    }
    products = {"A-1": Product("A-1", "Tee", Money(1990, "EUR"), 0, False)}

    assert across_the_wire(PaymentsService, "get_many", payments) == payments
    assert across_the_wire(InventoryService, "get_products", products) == products
    methods = across_the_wire(PaymentsService, "supported_payment_methods", frozenset({"a", "b"}))
    assert methods == frozenset({"a", "b"})


@pytest.mark.parametrize("status", list(OrderStatus))
def test_an_order_round_trips(status):
    created = datetime(2026, 11, 30, 19, 0, 0, 1, tzinfo=UTC)
    order = Order(
        order_id=uuid4(),
        customer_id=42,
        status=status,
        lines=(OrderLine("A-1", 2, Money(995, "EUR")),),
        total=Money(1990, "EUR"),
        created_at=created,
        updated_at=created + timedelta(microseconds=999999),
    )

    assert across_the_wire(OrdersService, "get_order", order) == order


def test_contract_errors_keep_their_class_and_fields():
    order_id = uuid4()
    short = error_across_the_wire(InventoryService, InsufficientStock(["B-2", "A-1"]))
    closed = error_across_the_wire(
        InventoryService, ReservationClosed(order_id, ReservationState.EXPIRED, "hold")
    )
    refund = error_across_the_wire(PaymentsService, RefundExceedsCapture(order_id, 500, 499))

    assert type(short) is InsufficientStock and short.skus == ("A-1", "B-2")
    assert type(closed) is ReservationClosed
    assert (closed.order_id, closed.state, closed.operation) == (
        order_id,
        ReservationState.EXPIRED,
        "hold",
    )
    assert (refund.order_id, refund.requested_minor, refund.refundable_minor) == (
        order_id,
        500,
        499,
    )
    assert str(refund) == str(RefundExceedsCapture(order_id, 500, 499))


def test_request_arguments_round_trip_with_the_contract_defaults_filled_in():
    schema = contract_schema(InventoryService)
    method = schema.method("create_product")
    request = codec.encode_request(
        schema, method, {"sku": "A-1", "name": "Tee", "price": Money(5, "EUR"), "stock": 0}
    )

    arguments = codec.decode_request(method, type(request).FromString(request.SerializeToString()))

    assert arguments == {
        "sku": "A-1",
        "name": "Tee",
        "price": Money(5, "EUR"),
        "stock": 0,
        "low_stock_threshold": 5,
    }


def test_a_list_comes_back_a_list_and_a_sequence_a_tuple():
    from uuid import UUID

    from shop.platform.rpc.schema import field_spec

    assert field_spec("ids", 1, list[UUID]).container is list
    assert field_spec("ids", 1, Sequence[UUID]).container is tuple


@pytest.mark.parametrize("number", [0, 99, -1])
def test_an_enum_number_this_side_does_not_know_is_a_value_error(number):
    schema = contract_schema(InventoryService)
    method = schema.method("hold")
    reservation = Reservation(
        order_id=uuid4(), state=ReservationState.RESERVED, lines=(), expires_at=None
    )
    message = codec.encode_response(schema, method, reservation)
    message.result.state = number

    with pytest.raises(ValueError, match="no member numbered"):
        codec.decode_response(method, type(message).FromString(message.SerializeToString()))
