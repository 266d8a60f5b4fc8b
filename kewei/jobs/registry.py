"""Jobs that can be started from a page. Each is a plain function that takes its
parameters and a :class:`kewei.core.progress.Progress`; the same function serves the
command line (with a progress bar) and the page (with a stored progress row)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kewei.core.progress import Progress


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


_jobs: dict[str, JobDefinition] = {}


def register_job(kind: str, label: Any) -> Callable[[JobFunction], JobFunction]:
    def decorator(function: JobFunction) -> JobFunction:
        _jobs[kind] = JobDefinition(kind=kind, label=label, function=function)
        return function

    return decorator


def get_job(kind: str) -> JobDefinition:
    try:
        return _jobs[kind]
    except KeyError:
        raise LookupError(f"unknown job kind {kind!r}") from None


def job_label(kind: str) -> str:
    definition = _jobs.get(kind)
    return str(definition.label) if definition else kind


__all__ = ["JobDefinition", "JobOutcome", "Progress", "get_job", "job_label", "register_job"]
