"""Create the baselines' database and its rows when missing (run with its settings)."""

from __future__ import annotations

import django
import psycopg
from django.conf import settings
from django.core.management import call_command
from psycopg import sql


def main() -> None:
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as server:
        exists = server.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]
        ).fetchone()
        if not exists:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)
    from bench.baseline.models import ACCOUNTS, Account

    Account.objects.bulk_create(
        [Account(pk=pk) for pk in range(1, ACCOUNTS + 1)], ignore_conflicts=True
    )


if __name__ == "__main__":
    main()
