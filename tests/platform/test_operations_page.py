"""The admin's Operations page: sections registered by the apps, shown by permission."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from shop.platform.models import AuditRun

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def staff_member() -> tuple[Client, object]:
    user = get_user_model().objects.create_user("sam", is_staff=True)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_last_consistency_audit_shows_to_those_who_may_read_it(staff_member):
    client, user = staff_member
    assert "consistency audit" not in client.get("/admin/operations/").text

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="platform", codename="view_auditrun")
    )
    never = client.get("/admin/operations/")
    assert never.status_code == 200
    assert "Last consistency audit" in never.text
    assert '<td class="count">never run</td>' in never.text

    AuditRun.objects.create(
        started_at=timezone.now(), finished_at=timezone.now(), checks=[], discrepancies=3
    )
    found = client.get("/admin/operations/").text

    assert "Discrepancies found by the audit of" in found
    assert "/admin/platform/auditrun/" in found
    assert '<td class="count">3</td>' in found


def test_sections_show_only_what_the_user_may_read(staff_member):
    client, user = staff_member
    assert "Parked orders events" not in client.get("/admin/operations/").text

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="events", codename="view_outboxmessage")
    )
    page = client.get("/admin/operations/").text

    assert "Parked orders events" in page
    assert "Parked payments events" in page
    assert "/admin/events/outboxmessage/?database=payments&amp;state=parked" in page
    assert "Unresolved payments" not in page
    assert "Events received by orders and parked" not in page

    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="events", codename="view_parkedconsumermessage"
        )
    )
    page = client.get("/admin/operations/").text

    assert "Events received by orders and parked" in page
    assert "/admin/events/parkedconsumermessage/?database=orders" in page


def test_the_page_is_for_staff_only_and_linked_from_the_admin_home(staff_member):
    client, _ = staff_member
    anonymous = Client().get("/admin/operations/")

    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/admin/login/")
    assert 'href="/admin/operations/"' in client.get("/admin/").text
