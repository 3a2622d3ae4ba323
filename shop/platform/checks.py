"""System checks: a misconfigured binding stops the process at start-up."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db.models import Model
from django.utils.module_loading import import_string

from shop.platform.bindings import protocol_methods, resolve_target
from shop.platform.databases import AppDatabaseRouter
from shop.platform.domains import installed_domain_apps, service_url_variable


@checks.register("shop")
def check_bindings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every binding names an importable Protocol and a target implementing it."""
    errors: list[checks.CheckMessage] = []
    for contract_path, target_path in getattr(settings, "SHOP_BINDINGS", {}).items():
        binding = f"binding {contract_path} -> {target_path}"
        try:
            contract = import_string(contract_path)
        except ImportError as exc:
            errors.append(
                checks.Error(
                    f"{binding}: the contract cannot be imported ({exc}).",
                    hint="Check the key in settings.SHOP_BINDINGS.",
                    id="shop.E001",
                )
            )
            continue
        if not getattr(contract, "_is_protocol", False):
            errors.append(
                checks.Error(
                    f"{binding}: {contract_path} is not a typing.Protocol.",
                    id="shop.E002",
                )
            )
            continue
        try:
            target = resolve_target(target_path)
        except Exception as exc:
            errors.append(
                checks.Error(
                    f"{binding}: the implementation cannot be loaded ({exc}).",
                    hint="Point the binding at an importable class or object.",
                    id="shop.E003",
                )
            )
            continue
        for method in protocol_methods(contract):
            if not callable(getattr(target, method, None)):
                errors.append(
                    checks.Error(
                        f"{binding}: {target_path} does not define {method}().",
                        hint=f"Implement every method of {contract_path}.",
                        id="shop.E004",
                    )
                )
    return errors


@checks.register("shop")
def check_used_contracts_are_bound(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Every contract a served app uses is bound: served here, or reached at its
    ``<APP>_SERVICE_URL``."""
    bindings = getattr(settings, "SHOP_BINDINGS", {})
    return [
        checks.Error(
            f"{app.label} uses {contract}, which no app of this process serves "
            f"and no {service_url_variable(contract)} reaches.",
            hint=(
                f"Set {service_url_variable(contract)}=grpc://host:port, or add its app "
                "to SHOP_APPS."
            ),
            id="shop.E005",
        )
        for app in installed_domain_apps()
        for contract in app.uses
        if contract not in bindings
    ]


def cross_app_relations(models: list[type[Model]]) -> list[str]:
    """Relations between models that live in different databases, described."""
    router = AppDatabaseRouter()
    crossings = []
    for model in models:
        for field in model._meta.get_fields(include_hidden=True):
            related = getattr(field, "related_model", None)
            if related is None or (not field.concrete and not field.many_to_many):
                continue
            if isinstance(related, str):
                continue
            here, there = router.db_for_write(model), router.db_for_write(related)
            if here != there:
                crossings.append(
                    f"{model._meta.label}.{field.name} -> {related._meta.label} "
                    f"crosses from database {here!r} to {there!r}"
                )
    return crossings


@checks.register("shop", checks.Tags.models)
def check_no_relation_crosses_apps(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Apps reference each other's entities by id, never by a relation."""
    return [
        checks.Error(
            crossing,
            hint="Store the other app's id in a plain field instead of a relation.",
            id="shop.E010",
        )
        for crossing in cross_app_relations(list(apps.get_models(include_auto_created=True)))
    ]
