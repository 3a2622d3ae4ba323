"""One behavioural suite per contract, run against every binding of it.

``binding`` is one of ``facade`` (the app's facade, in process), ``grpc`` (the gRPC
client against a real ``serve_grpc`` process on the test databases) and ``fake``
(the in-memory fake the apps' own tests bind), so that none of them drifts from the
contract the others keep. The tests commit for real (``transaction=True``): the
server process reads what they wrote.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from shop.platform.rpc.client import forget_breakers
from tests.contracts.server import GrpcServerProcess

BINDINGS = ("facade", "grpc", "fake")


@pytest.fixture(scope="session")
def grpc_server(django_db_setup, django_db_blocker):
    """One ``serve_grpc`` process for the session, serving every contract."""
    server = GrpcServerProcess().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_state(settings):
    settings.PAYMENTS_SIMULATOR = {}
    forget_breakers()
    cache.clear()
    yield
    forget_breakers()
    cache.clear()


def bind(
    request,
    settings,
    *,
    contract: str,
    client: str,
    url_setting: str,
    fake: str,
    kind: str | None = None,
) -> None:
    """Bind ``contract`` as ``kind`` says, by default the test's ``binding`` parameter."""
    kind = kind or request.param
    if kind == "grpc":
        server = request.getfixturevalue("grpc_server")
        setattr(settings, url_setting, server.url)
        target = client
    elif kind == "fake":
        target = fake
    else:
        return  # the project's own binding: the app's facade
    settings.SHOP_BINDINGS = {**settings.SHOP_BINDINGS, contract: target}
