"""The gRPC client class of any contract, by a name ``SHOP_BINDINGS`` can hold.

``shop.platform.rpc.clients.contracts__<module>__<Protocol>`` is the client of
``contracts.<module>.<Protocol>`` (dots doubled into underscores, so that it is one
attribute of this module): a ``RemoteService`` subclass made on first use, with every
method of the Protocol. The platform thus serves any contract without naming one.
"""

from __future__ import annotations

import functools

from django.utils.module_loading import import_string

from shop.platform.rpc.client import RemoteService


@functools.cache
def client_class(contract_path: str) -> type[RemoteService]:
    """The ``RemoteService`` subclass bound to ``contract_path``."""
    import_string(contract_path)  # an unknown contract fails here, with its name
    name = contract_path.rsplit(".", 1)[1] + "Client"
    return type(name, (RemoteService,), {"contract_path": contract_path, "__module__": __name__})


def __getattr__(name: str) -> type[RemoteService]:
    if not name.startswith("contracts__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return client_class(name.replace("__", "."))
    except ImportError as exc:
        raise AttributeError(f"{name}: no such contract ({exc})") from exc
