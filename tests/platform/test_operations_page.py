"""The admin's Operations page: sections registered by the apps, shown by permission."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from shop.platform import operations
from shop.platform.operations import OperationsItem, operations_section

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture
def staff_member() -> tuple[Client, object]:
    user = get_user_model().objects.create_user("sam", is_staff=True)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def audit_section():
    """A section as an app adds one (the lead's consistency audit, say)."""
    before = list(operations._sections)

    @operations_section("Consistency")
    def last_audit(request):
        return [OperationsItem("Last consistency audit", None, "/admin/", "", status="clean")]

    yield
    operations._sections[:] = before


def test_a_registered_section_shows_with_its_result(staff_member, audit_section):
    client, _ = staff_member

    page = client.get("/admin/operations/")

    assert page.status_code == 200
    assert "Consistency" in page.text and "Last consistency audit" in page.text
    assert '<td class="count">clean</td>' in page.text


def test_sections_show_only_what_the_user_may_read(staff_member):
    client, user = staff_member
    assert "Parked orders events" not in client.get("/admin/operations/").text

    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="events", codename="view_ordersoutboxmessage"
        )
    )
    page = client.get("/admin/operations/").text

    assert "Parked orders events" in page
    assert "Parked payments events" not in page
    assert "Unresolved payments" not in page


def test_the_page_is_for_staff_only_and_linked_from_the_admin_home(staff_member):
    client, _ = staff_member
    anonymous = Client().get("/admin/operations/")

    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/admin/login/")
    assert 'href="/admin/operations/"' in client.get("/admin/").text
