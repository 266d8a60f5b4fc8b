"""The demo bank is built by seeders that apps register, run in order of ``order``.

A seeder is deterministic: the same :class:`SeedContext` builds the same rows, and running
it again on a database it already seeded changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kewei.core.progress import Progress
from kewei.core.registry import Registry


@dataclass
class SeedContext:
    seed: int
    customers: int
    days: int
    shared: dict[str, Any] = field(default_factory=dict)

    def rng(self, name: str) -> random.Random:
        """An independent random stream per seeder, so adding one changes no other."""
        return random.Random(f"{self.seed}:{name}")


Seeder = Callable[[SeedContext, Progress], dict[str, int]]


@dataclass(frozen=True)
class SeederDefinition:
    name: str
    order: int
    function: Seeder


_seeders: Registry[SeederDefinition] = Registry("demo seeder", order=lambda s: s.order)


def register_seeder(name: str, order: int) -> Callable[[Seeder], Seeder]:
    def decorator(function: Seeder) -> Seeder:
        _seeders.add(name, SeederDefinition(name=name, order=order, function=function))
        return function

    return decorator


def seeders() -> list[SeederDefinition]:
    return _seeders.entries()
