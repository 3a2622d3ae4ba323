"""Creating missing PostgreSQL databases for the aliases (SQLite creates its files)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from django.db import connections
from psycopg import sql


def ensure_database(alias: str) -> bool:
    """Create the alias's PostgreSQL database if it is missing; ``True`` if created."""
    settings_dict = connections[alias].settings_dict
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        return False
    name = settings_dict["NAME"]
    params: dict[str, Any] = {
        "dbname": "postgres",
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "connect_timeout": 5,
        "autocommit": True,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        try:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False  # created concurrently by another process
    return True


def ensure_databases(report: Callable[[str], None] = lambda line: None) -> None:
    for alias in connections:
        if ensure_database(alias):
            report(f"Created database {connections[alias].settings_dict['NAME']} ({alias})")
