"""Jobs that can be started from a page. Each is a plain function that takes its
parameters and a :class:`kewei.core.progress.Progress`; the same function serves the
command line (with a progress bar) and the page (with a stored progress row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kewei.core.progress import Progress
from kewei.core.registry import Registry


@dataclass(frozen=True)
class JobOutcome:
    summary: str
    result_file: Path | None = None
    data: dict[str, Any] | None = None


JobFunction = Callable[..., JobOutcome]


@dataclass(frozen=True)
class JobDefinition:
    kind: str
    label: str
    function: JobFunction


jobs: Registry[JobDefinition] = Registry("job kind")


def register_job(kind: str, label: Any) -> Callable[[JobFunction], JobFunction]:
    def decorator(function: JobFunction) -> JobFunction:
        jobs.add(kind, JobDefinition(kind=kind, label=label, function=function))
        return function

    return decorator


def get_job(kind: str) -> JobDefinition:
    return jobs.get(kind)


def job_label(kind: str) -> str:
    return str(jobs.get(kind).label) if kind in jobs else kind


__all__ = ["JobDefinition", "JobOutcome", "Progress", "get_job", "job_label", "register_job"]
