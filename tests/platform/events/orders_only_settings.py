"""Settings of a worker process serving the orders app alone (inventory and payments run
elsewhere), with the test recorder subscribed in orders (see scenario.py)."""

from shop.settings import *  # noqa: F403
from shop.settings import INSTALLED_APPS, SHOP_BINDINGS

SERVED_ELSEWHERE = ("inventory", "payments")

INSTALLED_APPS = [
    *(app for app in INSTALLED_APPS if app.removeprefix("shop.") not in SERVED_ELSEWHERE),
    "tests.platform.events.orders_only_app",
]
SHOP_BINDINGS = {
    contract: implementation
    for contract, implementation in SHOP_BINDINGS.items()
    if contract.split(".")[1] not in SERVED_ELSEWHERE
}
# A worker serves no HTTP; the project's URLs would import the absent apps' views.
ROOT_URLCONF = "tests.platform.events.orders_only_app.urls"
