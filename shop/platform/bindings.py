"""Bindings: how code reaches another app through its contract, never by import.

``settings.SHOP_BINDINGS`` maps the dotted path of each contract Protocol to the
dotted path of its implementation (a class, instantiated once, or an object).
``bound(InventoryService)`` returns that implementation behind a proxy through
which every call passes ``call_through_binding``: the one place where cross-app
calls are traced and measured.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from contracts.common import ServiceUnavailable
from shop.platform.databases import DATABASE_DOES_NOT_ANSWER
from shop.platform.domains import DomainAppConfig, service_url_variable


class BindingError(LookupError):
    """A contract has no usable implementation bound to it."""


def binding_settings(
    served: Iterable[DomainAppConfig], environ: Mapping[str, str]
) -> dict[str, str]:
    """``SHOP_BINDINGS`` for a process serving the domain apps ``served`` (their
    ``DomainAppConfig``): each served contract bound to its facade, and each contract
    they use that is served elsewhere bound by ``remote_binding``."""
    served = list(served)
    bindings = {config.contract: config.facade for config in served if config.contract}
    for config in served:
        for contract in config.uses:
            if contract not in bindings:
                remote = remote_binding(contract, environ)
                if remote is not None:
                    bindings[contract] = remote
    return bindings


def remote_binding(contract: str, environ: Mapping[str, str]) -> str | None:
    """The binding of ``contract`` when its app is not served here: a client of the
    service at ``<APP>_SERVICE_URL`` (see ``service_url_variable``), or ``None`` when
    the variable is unset (the system check shop.E006 then names the contract)."""
    variable = service_url_variable(contract)
    url = environ.get(variable, "").strip()
    if not url:
        return None
    # The remote clients plug in here, chosen by the URL's scheme (grpc://, grpcs://).
    # Imported here: settings call this before Django is set up; the module is light.
    from shop.platform.rpc.conf import remote_binding as grpc_binding

    client = grpc_binding(contract, {variable: url})
    if client is None:
        raise ImproperlyConfigured(f"{variable}={url}: no client of {contract} for this scheme.")
    return client


def contract_path(contract: type) -> str:
    """The dotted path naming ``contract`` in ``SHOP_BINDINGS``."""
    return f"{contract.__module__}.{contract.__qualname__}"


def protocol_methods(contract: type) -> tuple[str, ...]:
    """The public methods a Protocol requires, in definition order."""
    names: dict[str, None] = {}
    for klass in reversed(contract.__mro__):
        if klass in (object, Protocol) or not getattr(klass, "_is_protocol", False):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") and callable(value):
                names[name] = None
    return tuple(names)


def bound[T](contract: type[T]) -> T:
    """The implementation bound to ``contract``, resolved lazily and cached."""
    return cast(T, _proxy_for(contract_path(contract)))


def resolve_target(path: str) -> Any:
    """Import a binding's target; a class is instantiated with no arguments."""
    target = import_string(path)
    return target() if inspect.isclass(target) else target


def call_through_binding(
    contract: str, method: str, call: Callable[..., Any], args: tuple, kwargs: dict
) -> Any:
    """Every call through a binding passes here: traced as a span named ``contract``
    (``inventory.reserve``) and timed, by contract, method and outcome.

    A database error of the called app is raised as ``ServiceUnavailable``.
    """
    # Imported here: telemetry pulls in OpenTelemetry and Prometheus, which the
    # configuration-time users of this module (settings checks) do not need.
    from shop.platform.telemetry.calls import observe_binding_call

    with observe_binding_call(contract, method):
        try:
            return call(*args, **kwargs)
        except DATABASE_DOES_NOT_ANSWER as exc:
            # The app's own database does not answer: to its caller that is the app
            # being unavailable, as a remote binding reports an unreachable service.
            service = contract.split(".", 1)[0]
            raise ServiceUnavailable(service, reason="its database does not answer") from exc


class BindingProxy:
    """Stands for an implementation; exposes only the contract's methods."""

    def __init__(self, contract: str, methods: tuple[str, ...], target: Any) -> None:
        self._contract = contract
        self._methods = frozenset(methods)
        self._target = target
        self._short_name = contract.removeprefix("contracts.").split(".", 1)[0]

    def __getattr__(self, name: str) -> Any:
        if name not in self._methods:
            raise AttributeError(f"{self._contract} has no method {name}()")
        method = getattr(self._target, name)
        label = f"{self._short_name}.{name}"

        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            return call_through_binding(label, name, method, args, kwargs)

        return call

    def __repr__(self) -> str:
        return f"<binding {self._contract} -> {self._target!r}>"


@functools.cache
def _proxy_for(path: str) -> BindingProxy:
    bindings: dict[str, str] = getattr(settings, "SHOP_BINDINGS", {})
    if path not in bindings:
        raise BindingError(f"No binding for {path} in settings.SHOP_BINDINGS.")
    contract = import_string(path)
    try:
        target = resolve_target(bindings[path])
    except ImportError as exc:
        raise BindingError(f"Binding {path} -> {bindings[path]}: {exc}") from exc
    return BindingProxy(path, protocol_methods(contract), target)


@receiver(setting_changed)
def _forget_bindings(*, setting: str, **kwargs: Any) -> None:
    if setting == "SHOP_BINDINGS":
        _proxy_for.cache_clear()
