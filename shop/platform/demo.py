"""Demo data: each app registers a seeder in its ``demo.py``; ``seed_demo`` runs them all.

Seeders run in ascending ``order`` (the catalog before the orders that use it) and
must be idempotent: running ``seed_demo`` twice leaves the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Report = Callable[[str], None]


@dataclass(frozen=True)
class DemoSeeder:
    order: int
    name: str
    seed: Callable[[Report], None]


_seeders: dict[str, DemoSeeder] = {}


def demo_seeder(*, order: int) -> Callable[[Callable[[Report], None]], Callable[[Report], None]]:
    """Register ``seed(report)`` to run in ``seed_demo`` at position ``order``."""

    def register(seed: Callable[[Report], None]) -> Callable[[Report], None]:
        name = f"{seed.__module__}.{seed.__qualname__}"
        _seeders[name] = DemoSeeder(order, name, seed)
        return seed

    return register


def demo_seeders() -> list[DemoSeeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.name))
