from typing import Any

from django.core.management.base import CommandError

from shop.platform import roles
from shop.platform.commands import ShopCommand


class Command(ShopCommand):
    help = (
        "Create or update the staff groups the installed apps define (support, warehouse, "
        "finance), each with exactly its permissions. Idempotent; migrate_all runs it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = roles.ensure_staff_groups()
        except roles.UnknownPermission as exc:
            raise CommandError(str(exc)) from exc
        for role, count in counts.items():
            self.stdout.write(f"group {role!r}: {count} permissions")
