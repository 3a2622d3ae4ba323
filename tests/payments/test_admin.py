"""The payments admin: read-only records with their ledger; actions go through services."""

import uuid

import pytest
from django.urls import reverse

from contracts.payments import PaymentStatus
from shop.payments.models import Payment

from .conftest import EUR_25, payments_db, provider_calls, published

pytestmark = payments_db

CHANGELIST = reverse("admin:payments_payment_changelist")


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    return client


@pytest.fixture
def authorized(payments, order_id):
    return payments.authorize(order_id=order_id, amount=EUR_25, payment_method="pm_card_visa")


def test_the_list_filters_by_status(staff_client, payments, authorized, order_id):
    declined_order = uuid.uuid4()
    payments.authorize(
        order_id=declined_order, amount=EUR_25, payment_method="pm_card_chargeDeclined"
    )

    response = staff_client.get(CHANGELIST, {"status__exact": "declined"})

    assert response.status_code == 200
    assert str(declined_order) in response.text
    assert str(order_id) not in response.text


def test_a_payment_shows_its_ledger_and_cannot_be_edited(staff_client, authorized, order_id):
    payment = Payment.objects.get()
    url = reverse("admin:payments_payment_change", args=[payment.pk])

    page = staff_client.get(url)
    posted = staff_client.post(url, {"status": "captured"})

    assert page.status_code == 200
    assert f"order-{order_id}-authorize" in page.text
    assert 'name="_save"' not in page.text
    assert posted.status_code == 403
    assert staff_client.get(reverse("admin:payments_payment_add")).status_code == 403
    assert Payment.objects.get().status == PaymentStatus.AUTHORIZED


def test_the_capture_action_captures_through_the_service(staff_client, authorized, order_id):
    response = staff_client.post(
        CHANGELIST,
        {"action": "capture", "_selected_action": [Payment.objects.get().pk]},
        follow=True,
    )

    assert "1 payment(s) captured." in response.text
    assert Payment.objects.get().status == PaymentStatus.CAPTURED
    assert len(provider_calls("capture")) == 1
    assert len(published("payments.payment_captured")) == 1


def test_the_refund_action_refunds_through_the_service(
    staff_client, payments, authorized, order_id
):
    payments.capture(order_id=order_id)

    response = staff_client.post(
        CHANGELIST,
        {"action": "refund_in_full", "_selected_action": [Payment.objects.get().pk]},
        follow=True,
    )

    assert "1 payment(s) refunded." in response.text
    payment = Payment.objects.get()
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.REFUNDED, 2500)
    assert len(provider_calls("refund")) == 1


def test_an_action_reports_what_it_could_not_do(staff_client, authorized, order_id):
    response = staff_client.post(
        CHANGELIST,
        {"action": "refund_in_full", "_selected_action": [Payment.objects.get().pk]},
        follow=True,
    )

    assert f"Cannot refund payment of order {order_id}: it is authorized" in response.text
    assert Payment.objects.get().status == PaymentStatus.AUTHORIZED
    assert provider_calls("refund") == []
