"""Faults the fakes can be told to play: a slow call, a process dying after an effect."""

from __future__ import annotations

import time


class Crash(Exception):
    """The request dies here (its connection dropped): nothing after this line runs.

    An ``Exception``, so the request's middleware unwinds as it would in a server; a
    process killed outright is simulated by also keeping its leases (see the tests).
    """


class Faults:
    """Per-method faults: ``slow``, ``crash_after`` (the effect happens, then the crash)."""

    def __init__(self) -> None:
        self.crash_after: set[str] = set()
        self.delay: dict[str, float] = {}

    def before(self, method: str) -> None:
        if method in self.delay:
            time.sleep(self.delay[method])

    def after(self, method: str) -> None:
        if method in self.crash_after:
            self.crash_after.discard(method)
            raise Crash(f"process died after {method}")
