"""Fixtures of the event machinery tests: test subscribers and their effects tables."""

from __future__ import annotations

import pytest

from shop.platform.events.subscriptions import isolated_subscriptions
from shop.platform.schedule import isolated_jobs
from tests.platform.events.scenario import create_effects_tables, subscribe_recorders


@pytest.fixture(autouse=True)
def isolated_registries():
    """Subscribers and jobs a test registers are gone after it (the module map sees none)."""
    with isolated_subscriptions(), isolated_jobs():
        yield


@pytest.fixture
def worker_delivers_only(settings):
    """Events wait in the outbox for the worker, as in production."""
    settings.SHOP_EVENTS_DELIVER_ON_COMMIT = False


@pytest.fixture
def recorders():
    """A recorder subscribed to ``ParcelPacked`` in every app database, and empty effects.

    Request it after the database (``django_db`` mark) so the tables can be created.
    """
    subscribe_recorders()
    create_effects_tables()
