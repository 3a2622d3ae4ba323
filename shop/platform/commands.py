"""The base of the shop's management commands: operator errors in one line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError


class ShopCommand(BaseCommand):
    """A command that reports an unreachable or unmigrated database as a one-line error."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except DatabaseError as exc:
            first_line = (
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            )
            raise CommandError(
                f"the database is not ready ({first_line}); "
                "check the *_DATABASE_URL settings and run `python manage.py migrate_all`"
            ) from exc
