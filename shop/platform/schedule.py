"""Periodic jobs: apps register them in their ``jobs.py``; the worker runs them.

A job is a function of no arguments that does one bounded pass of work (release
expired reservations, drive stuck orders, resolve unanswered payments) and returns
how many items it handled. It must be safe to run in several workers at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: Callable[[], int]
    app: str | None = None  # whose database records when it last ran; None: run's app


_jobs: dict[str, PeriodicJob] = {}


def periodic_job(
    *, name: str, every: timedelta, app: str | None = None
) -> Callable[[Callable[[], int]], Callable[[], int]]:
    """Register ``run`` to be called by the worker every ``every``.

    Among several workers, one runs it per interval. ``app`` names the owning app
    (its label) for a job defined outside it.
    """

    def register(run: Callable[[], int]) -> Callable[[], int]:
        _jobs[name] = PeriodicJob(name, every, run, app)
        return run

    return register


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered job, after importing each app's ``jobs.py``."""
    autodiscover_modules("jobs")
    return sorted(_jobs.values(), key=lambda job: job.name)


@contextmanager
def isolated_jobs() -> Iterator[None]:
    """Jobs registered inside the block are forgotten when it ends (tests)."""
    # The apps' jobs are imported first, so that they are kept when the block ends.
    autodiscover_modules("jobs")
    saved = dict(_jobs)
    try:
        yield
    finally:
        _jobs.clear()
        _jobs.update(saved)
