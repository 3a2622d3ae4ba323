"""One table says which status moves are allowed; every other move is refused."""

import itertools

import pytest

from contracts.orders import OrderStatus
from shop.orders.driving import claim
from shop.orders.errors import IllegalTransition, OrderBusy
from shop.orders.models import TRANSITIONS, Operation, Order, can_transition

S = OrderStatus
ALLOWED = {
    (S.PENDING, S.CONFIRMED),
    (S.PENDING, S.REJECTED),
    (S.PENDING, S.PAYMENT_FAILED),
    (S.PENDING, S.CANCELLED),
    (S.CONFIRMED, S.SHIPPED),
    (S.CONFIRMED, S.CANCELLED),
    (S.SHIPPED, S.REFUNDED),
}


def test_the_table_allows_exactly_the_order_life_cycle():
    assert set(TRANSITIONS) == set(OrderStatus)
    for source, target in itertools.product(OrderStatus, OrderStatus):
        assert can_transition(source, target) == ((source, target) in ALLOWED), (source, target)


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize("status", [s for s in OrderStatus if s != S.CONFIRMED])
def test_only_a_confirmed_order_can_be_claimed_for_shipping(status):
    order = Order.objects.create(
        customer_id=1, status=status, currency="EUR", total_minor=100, payment_method="pm_card_visa"
    )

    with pytest.raises(IllegalTransition) as refused:
        claim(order_id=order.id, operation=Operation.SHIP, target=S.SHIPPED)

    assert refused.value.status == status
    order.refresh_from_db()
    assert (order.status, order.driver_token) == (status, None)


@pytest.mark.django_db(databases="__all__")
def test_a_held_order_cannot_be_claimed_by_a_second_driver():
    order = Order.objects.create(
        customer_id=1, status=S.CONFIRMED, currency="EUR", total_minor=100, payment_method="x"
    )
    claim(order_id=order.id, operation=Operation.SHIP, target=S.SHIPPED)

    with pytest.raises(OrderBusy):
        claim(order_id=order.id, operation=Operation.CANCEL, target=S.CANCELLED)
