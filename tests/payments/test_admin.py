"""The payments admin: read-only records with their ledger; actions go through services."""

import uuid

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.urls import reverse

from contracts.payments import PaymentProviderUnavailable, PaymentStatus
from shop.payments.models import Payment

from .conftest import EUR_25, payments_db, provider_calls

pytestmark = payments_db

CHANGELIST = reverse("admin:payments_payment_changelist")


@pytest.fixture
def staff_client(client, django_user_model):
    """Staff who may read payments and their ledger (as support and finance do), no more."""
    staff = django_user_model.objects.create_user("sam", "sam@example.com", "pw", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="payments", codename__startswith="view_")
    )
    client.force_login(staff)
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


def test_money_moves_only_through_orders_so_no_action_captures_or_refunds(
    staff_client, payments, authorized, order_id
):
    listing = staff_client.get(CHANGELIST)
    forged = staff_client.post(
        CHANGELIST,
        {"action": "capture", "_selected_action": [Payment.objects.get().pk]},
        follow=True,
    )

    assert listing.context["action_form"] is None
    assert forged.status_code == 200
    assert Payment.objects.get().status == PaymentStatus.AUTHORIZED
    assert provider_calls("capture") == []


def test_amounts_read_as_money_and_the_payment_links_to_its_order(
    staff_client, payments, authorized, order_id
):
    payments.capture(order_id=order_id)

    listing = staff_client.get(CHANGELIST).text
    page = staff_client.get(
        reverse("admin:payments_payment_change", args=[Payment.objects.get().pk])
    ).text

    assert '<td class="field-amount">25.00 EUR</td>' in listing
    assert '<td class="field-captured">25.00 EUR</td>' in listing
    assert '<td class="field-refunded">0.00 EUR</td>' in listing
    assert str(order_id) in page
    # The order is a link where this process serves orders too (not when payments
    # runs alone: then there is no orders admin to link to).
    linked = f'href="/admin/orders/order/{order_id}/change/"' in page
    assert linked == apps.is_installed("shop.orders")


def test_the_operations_page_counts_the_payments_waiting_for_the_resolver(
    staff_client, payments, authorized, simulator
):
    waiting = uuid.uuid4()
    simulator(authorize="timeout_before")
    with pytest.raises(PaymentProviderUnavailable):
        payments.authorize(order_id=waiting, amount=EUR_25, payment_method="pm_card_visa")

    page = staff_client.get("/admin/operations/").text
    unanswered = staff_client.get(CHANGELIST, {"unanswered": "yes"})

    assert "Unresolved payments" in page
    assert f'href="{CHANGELIST}?status__exact=unresolved"' in page
    assert f'href="{CHANGELIST}?unanswered=yes"' in page
    assert page.count('<td class="count">1</td>') == 2
    assert [p.order_id for p in unanswered.context["cl"].result_list] == [waiting]
