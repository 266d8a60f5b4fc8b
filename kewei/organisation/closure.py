"""What keeps a department from being closed.

Apps that attach data to departments (customers, holdings ...) register a check in their
``AppConfig.ready``; each returns a message when the department still has such data.
"""

from __future__ import annotations

from collections.abc import Callable

from kewei.core.registry import Registry
from kewei.organisation.models import Department

ClosureBlocker = Callable[[Department], str | None]

# Named by where each check is defined, so registering one again (a re-imported module)
# keeps one.
blockers: Registry[ClosureBlocker] = Registry("department closure blocker")


def register_closure_blocker(blocker: ClosureBlocker) -> ClosureBlocker:
    return blockers.add(f"{blocker.__module__}.{blocker.__qualname__}", blocker)


def closure_blockers() -> list[ClosureBlocker]:
    return blockers.entries()
