"""System checks: a misconfigured binding stops the process at start-up."""

from __future__ import annotations

import inspect
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
            implementation = getattr(target, method, None)
            if not callable(implementation) or _inherited_from_a_protocol(target, method):
                errors.append(
                    checks.Error(
                        f"{binding}: {target_path} does not define {method}().",
                        hint=f"Implement every method of {contract_path}.",
                        id="shop.E004",
                    )
                )
                continue
            drift = signature_drift(getattr(contract, method), implementation)
            if drift:
                errors.append(
                    checks.Error(
                        f"{binding}: {target_path}.{method}() {drift}.",
                        hint=f"Give it the parameters of {contract_path}.{method}().",
                        id="shop.E005",
                    )
                )
    return errors


def _inherited_from_a_protocol(target: Any, method: str) -> bool:
    """A facade declaring its Protocol as a base inherits the Protocol's stub (``...``)
    for any method it forgot: that stub does not implement it."""
    owner = target if inspect.isclass(target) else type(target)
    for klass in owner.__mro__:
        if method in vars(klass):
            return bool(getattr(klass, "_is_protocol", False))
    return False


def signature_drift(declared: Any, implementation: Any) -> str:
    """How ``implementation`` cannot be called as the Protocol method ``declared`` is;
    empty when every call the contract allows is accepted.

    Parameter names and kinds are compared (contracts take keyword-only arguments); the
    types are the type checker's (``make lint``).
    """
    try:
        expected = list(inspect.signature(declared).parameters.values())[1:]  # self
        actual = inspect.signature(implementation).parameters
    except (TypeError, ValueError):
        return ""
    if any(p.kind is p.VAR_KEYWORD for p in actual.values()) and all(
        p.kind is p.KEYWORD_ONLY for p in expected
    ):
        return ""
    for parameter in expected:
        found = actual.get(parameter.name)
        if found is None:
            return f"lacks the parameter {parameter.name!r}"
        if found.kind is not parameter.kind and not (
            found.kind is found.POSITIONAL_OR_KEYWORD and parameter.kind is parameter.KEYWORD_ONLY
        ):
            kinds = f"{found.kind.description}, not {parameter.kind.description}"
            return f"takes {parameter.name!r} as {kinds}"
        if parameter.default is not parameter.empty and found.default is found.empty:
            return f"requires {parameter.name!r}, which the contract makes optional"
    declared_names = {parameter.name for parameter in expected}
    for name, found in actual.items():
        if (
            name not in declared_names
            and found.default is found.empty
            and found.kind
            in (
                found.POSITIONAL_OR_KEYWORD,
                found.KEYWORD_ONLY,
                found.POSITIONAL_ONLY,
            )
        ):
            return f"requires {name!r}, which the contract does not pass"
    return ""


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
            id="shop.E006",
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
