"""Progress reporting shared by commands (a progress bar) and page-started jobs (a stored row).

A long operation takes a :class:`Progress` and calls ``start(total)``, ``advance(n)``
and ``finish(summary)``; it never knows whether a person watches a terminal or a page.
"""

from __future__ import annotations

import sys
from typing import Protocol

from tqdm import tqdm


class Progress(Protocol):
    def start(self, total: int, description: str = "") -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def finish(self, summary: str) -> None: ...


class SilentProgress:
    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.summary = ""

    def start(self, total: int, description: str = "") -> None:
        self.total, self.done = total, 0

    def advance(self, amount: int = 1) -> None:
        self.done += amount

    def finish(self, summary: str) -> None:
        self.summary = summary


class BarProgress:
    """A tqdm bar on standard error; the one-line summary on standard output."""

    def __init__(self, stdout=None, stderr=None, enabled: bool = True) -> None:
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.enabled = enabled
        self._bar: tqdm | None = None

    def start(self, total: int, description: str = "") -> None:
        if self._bar is not None:
            self._bar.close()
        # No monitor thread: a batch may fork worker processes, which a process running
        # other threads must not do (customers.importing).
        tqdm.monitor_interval = 0
        self._bar = tqdm(
            total=total,
            desc=description,
            file=self.stderr,
            disable=not self.enabled,
            unit="行",
            dynamic_ncols=True,
            leave=False,
        )

    def advance(self, amount: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(amount)

    def finish(self, summary: str) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.stdout.write(summary + "\n")
