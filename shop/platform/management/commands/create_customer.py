from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import CommandError, CommandParser

from shop.platform import accounts
from shop.platform.commands import ShopCommand


class Command(ShopCommand):
    help = "Create the customer USERNAME if missing and print its API token as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The customer's username (created if missing).")
        parser.add_argument(
            "--staff", action="store_true", help="Make the user staff (may log in to the admin)."
        )
        parser.add_argument(
            "--role",
            action="append",
            default=[],
            metavar="GROUP",
            help="Add the user to this staff group (support, warehouse, finance); repeatable.",
        )

    def handle(
        self, *args: Any, username: str, staff: bool, role: list[str], **options: Any
    ) -> None:
        username = username.strip()
        if not username or len(username) > 150 or any(c.isspace() for c in username):
            raise CommandError("USERNAME must be 1-150 characters without spaces.")
        try:
            customer_id, token, created = accounts.ensure_customer(
                username=username, staff=staff, roles=role
            )
        except Group.DoesNotExist as exc:
            raise CommandError(
                f"unknown role among {', '.join(role)}: run `manage.py create_staff_groups`"
            ) from exc
        kind = "staff" if staff else "customer"
        self.stdout.write(
            f"{'Created' if created else 'Found'} {kind} {username!r} (id {customer_id})."
        )
        self.stdout.write(token)
