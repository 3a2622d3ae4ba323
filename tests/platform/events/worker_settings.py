"""Settings of worker subprocesses started by the tests: the project's, plus an app
whose handlers.py subscribes the test recorders (see scenario.py)."""

from shop.settings import *  # noqa: F403
from shop.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.platform.events.worker_app"]
