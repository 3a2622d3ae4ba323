"""Discovered like every app's handlers.py, in worker subprocesses only."""

from tests.platform.events.scenario import subscribe_recorders

subscribe_recorders()
