from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from shop.platform.provisioning import ensure_databases


class Command(BaseCommand):
    help = (
        "Create missing PostgreSQL databases, then migrate every database alias: default "
        "and the database of each app this process serves (SHOP_APPS)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        try:
            ensure_databases(report=self.stdout.write)
        except Exception as exc:
            raise CommandError(f"cannot reach the database server: {exc}") from exc
        aliases = list(connections)
        for index, alias in enumerate(aliases, start=1):
            self.stdout.write(f"[{index}/{len(aliases)}] migrating {alias}")
            call_command(
                "migrate", database=alias, interactive=False, verbosity=max(verbosity - 1, 0)
            )
        self.stdout.write(self.style.SUCCESS("All databases migrated."))
