"""Benchmark workloads. Apps register theirs; ``kewei bench`` runs them.

A workload is a function ``(scale) -> Measured``; an optional reference implementation
of the same work (typically the straightforward per-row ORM version) is run on the same
data, its result compared with the workload's, and the speed ratio reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kewei.core.registry import Registry


@dataclass
class Measured:
    rows: int
    result: Any = None  # compared with the reference's result when there is one
    # The timed part, when the workload prepares untimed input first (else: wall time).
    seconds: float | None = None
    # Further figures (latency percentiles ...), printed and written with the row.
    figures: dict[str, Any] | None = None


Workload = Callable[[int], Measured]


@dataclass(frozen=True)
class Benchmark:
    name: str
    workload: Workload
    reference: Workload | None = None
    description: str = ""


_benchmarks: Registry[Benchmark] = Registry("benchmark")


def register_benchmark(name: str, *, reference: Workload | None = None, description: str = ""):
    def decorator(workload: Workload) -> Workload:
        _benchmarks.add(
            name,
            Benchmark(name=name, workload=workload, reference=reference, description=description),
        )
        return workload

    return decorator


def benchmarks(only: list[str] | None = None) -> list[Benchmark]:
    selected = [b for name, b in _benchmarks.items() if not only or name in only]
    missing = set(only or []) - set(_benchmarks.names())
    if missing:
        raise LookupError(f"unknown benchmark(s): {', '.join(sorted(missing))}")
    return selected
