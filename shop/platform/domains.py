"""Domain apps describe themselves; the platform discovers the ones a process serves.

Each domain app's ``AppConfig`` subclasses ``DomainAppConfig`` and says what it is:
the database alias it owns, the contract it serves and the facade implementing it,
the module of its REST routes and the contracts of other apps it calls. The platform
derives databases, routing, bindings, URLs, the outbox admin, the worker's outboxes
and the module map from the installed ones, so it never names an app, and a process
serving a subset (``SHOP_APPS``) imports nothing of the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from shop.platform.rpc.conf import url_setting


class DomainAppConfig(AppConfig):
    """The self-description of a domain app (subclass it in the app's ``apps.py``)."""

    contract: str = ""
    """Dotted path of the Protocol this app serves (``contracts.<app>.<App>Service``)."""
    facade: str = ""
    """Dotted path of the in-process implementation of ``contract``."""
    api_urls: str = ""
    """Module whose ``urlpatterns`` are served under ``/api/v1/``."""
    uses: tuple[str, ...] = ()
    """Dotted paths of the other apps' Protocols this app calls through bindings."""
    wsgi_wrappers: tuple[str, ...] = ()
    """Dotted paths of WSGI middleware (called with the application, returning one) that
    answer some of this app's requests in front of Django, such as replayed cached reads."""

    @property
    def database_alias(self) -> str:
        """The database alias this app owns: its label."""
        return self.label

    def production_refusals(self, environ: Mapping[str, str]) -> list[str]:
        """Why a production process serving this app must not start with ``environ``
        (a development secret, say); empty when it may. Asked by the settings, before
        Django starts, so nothing but the environment is at hand."""
        return []


def select_apps(requested: str | None, *, available: Mapping[str, str]) -> list[str]:
    """The app names of the comma list ``requested`` (``None``: every available app).

    ``available`` maps each name ``SHOP_APPS`` may use to the app's module. An
    unknown or empty selection raises ``ImproperlyConfigured`` with a one-line message.
    """
    if requested is None:
        return list(available)
    names = [name.strip() for name in requested.split(",") if name.strip()]
    unknown = [name for name in names if name not in available]
    if unknown:
        raise ImproperlyConfigured(
            f"SHOP_APPS names unknown app(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(available)}."
        )
    if not names:
        raise ImproperlyConfigured(f"SHOP_APPS is empty; name some of {', '.join(available)}.")
    return list(dict.fromkeys(names))


def describe_apps(entries: Iterable[str]) -> list[DomainAppConfig]:
    """The configs of the domain apps among ``entries`` (``INSTALLED_APPS`` style),
    read before Django's app registry exists (from settings).

    Only the listed modules and their ``apps.py`` are imported.
    """
    configs = []
    for entry in entries:
        config = AppConfig.create(entry)
        if not isinstance(config, DomainAppConfig):
            raise ImproperlyConfigured(f"{entry} is not a domain app (no DomainAppConfig).")
        configs.append(config)
    return configs


def installed_domain_apps() -> list[DomainAppConfig]:
    """The domain apps this process serves, in ``INSTALLED_APPS`` order."""
    return [config for config in apps.get_app_configs() if isinstance(config, DomainAppConfig)]


def wrap_wsgi_application(application: Any) -> Any:
    """``application`` behind the WSGI wrappers of the served apps, in their order."""
    for config in installed_domain_apps():
        for path in config.wsgi_wrappers:
            application = import_string(path)(application)
    return application


def app_database_aliases() -> tuple[str, ...]:
    """The database alias of every domain app this process serves."""
    return tuple(config.database_alias for config in installed_domain_apps())


def domain_app_of_label(label: str) -> DomainAppConfig | None:
    """The installed domain app labelled ``label``, if any."""
    config = apps.app_configs.get(label)
    return config if isinstance(config, DomainAppConfig) else None


def service_url_variable(contract: str) -> str:
    """The environment variable locating ``contract``'s app when served elsewhere:
    ``contracts.inventory.InventoryService`` → ``INVENTORY_SERVICE_URL``."""
    return url_setting(contract)
