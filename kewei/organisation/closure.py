"""What keeps a department from being closed.

Apps that attach data to departments (customers, holdings ...) register a check in their
``AppConfig.ready``; each returns a message when the department still has such data.
"""

from __future__ import annotations

from collections.abc import Callable

from kewei.organisation.models import Department

ClosureBlocker = Callable[[Department], str | None]

_blockers: list[ClosureBlocker] = []


def register_closure_blocker(blocker: ClosureBlocker) -> ClosureBlocker:
    if blocker not in _blockers:
        _blockers.append(blocker)
    return blocker


def closure_blockers() -> list[ClosureBlocker]:
    return list(_blockers)
