"""Per-app databases: the aliases, their configuration from URLs, and the router.

Each domain app owns one database alias (its ``DomainAppConfig.database_alias``,
its label); only the apps a process serves have one. Django's own
tables (auth, admin, sessions, tokens) stay on ``default``. The platform's event
tables (outbox, inbox) exist in every app database, because each app publishes and
consumes through its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.db import InterfaceError, OperationalError
from django.db.models import Model

from shop.platform.domains import app_database_aliases, domain_app_of_label

PLATFORM_SHARED_LABELS: frozenset[str] = frozenset({"events"})
"""Platform apps whose tables are created in every app database."""

DATABASE_DOES_NOT_ANSWER: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
"""The errors of a database that does not answer (refused, lost or timed-out connections):
to a caller, the app it belongs to is unavailable, and a retry may succeed. Any other
database error (a constraint, a missing table) is a bug that no retry cures."""


def database_settings(
    environ: Mapping[str, str],
    *,
    app_aliases: Iterable[str],
    var_dir: Path,
    pool_max_size: int = 0,
) -> dict[str, dict[str, Any]]:
    """DATABASES for ``default`` and each alias of ``app_aliases``, from the environment.

    ``DATABASE_URL`` configures ``default`` (SQLite under ``var_dir`` when unset).
    ``<APP>_DATABASE_URL`` configures an app alias; when unset it is derived from
    ``DATABASE_URL``: the same server with the database name suffixed by the app
    name, or a SQLite file of its own. Apps served elsewhere need no URL.
    """
    default_url = environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'shop.sqlite3'}"
    urls = {"default": default_url}
    for alias in app_aliases:
        urls[alias] = environ.get(f"{alias.upper()}_DATABASE_URL") or derive_app_url(
            default_url, alias
        )
    test_prefix = environ.get("SHOP_TEST_DATABASE_PREFIX", "test_")
    return {
        alias: _configure(url, test_prefix=test_prefix, pool_max_size=pool_max_size)
        for alias, url in urls.items()
    }


def derive_app_url(url: str, app: str) -> str:
    """The URL of ``app``'s database next to the one at ``url``."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        return urlunsplit(parts._replace(path=str(path.with_stem(f"{path.stem}_{app}"))))
    name = parts.path.lstrip("/") or "shop"
    return urlunsplit(parts._replace(path=f"/{name}_{app}"))


def _configure(url: str, *, test_prefix: str, pool_max_size: int) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on
            # busy_timeout instead of failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["TEST"] = {"NAME": None}
        return config
    config["TEST"] = {"NAME": f"{test_prefix}{config['NAME']}"}
    # Parameters travel apart from the statement, and a statement run five times on a
    # connection is prepared: PostgreSQL stops parsing and planning it (decision 0045).
    config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
    if pool_max_size > 0:
        # Django's pool requires CONN_MAX_AGE=0; the pool itself keeps connections.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"]["pool"] = {"min_size": 1, "max_size": pool_max_size, "timeout": 10}
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config


class AppDatabaseRouter:
    """Send each domain app to its own alias and refuse relations across aliases.

    Platform tables shared by every app (outbox, inbox) are migrated into each app
    database and must be addressed with an explicit ``using``; everything else
    (Django's contrib apps, tokens) lives on ``default``.
    """

    def _alias_for(self, model: type[Model]) -> str | None:
        label = model._meta.app_label
        app = domain_app_of_label(label)
        if app is not None:
            return app.database_alias
        if label in PLATFORM_SHARED_LABELS:
            return None
        return "default"

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return self._alias_for(model)

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return self._alias_for(model)

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        alias1, alias2 = self._alias_for(type(obj1)), self._alias_for(type(obj2))
        if alias1 is None or alias2 is None:
            return obj1._state.db == obj2._state.db
        return alias1 == alias2

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        app = domain_app_of_label(app_label)
        if app is not None:
            return db == app.database_alias
        if app_label in PLATFORM_SHARED_LABELS:
            return db in app_database_aliases()
        return db == "default"
