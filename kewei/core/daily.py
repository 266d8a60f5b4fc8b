"""The nightly batch (日终批处理): the steps apps register, run in order for one business
day by ``kewei run_daily``. Every step is idempotent, so running a night again (after a
failure, or by mistake) does only what is left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from kewei.core.registry import Registry

DailyStep = Callable[[dt.date], str]  # (business day) -> a one-line summary


@dataclass(frozen=True)
class DailyStepDefinition:
    name: str
    order: int
    function: DailyStep

    @property
    def app(self) -> str:
        """The app that registered the step (``kewei.points.hooks`` → ``points``)."""
        parts = self.function.__module__.split(".")
        return parts[1] if len(parts) > 1 and parts[0] == "kewei" else parts[0]

    @property
    def description(self) -> str:
        """The first line of the step function's docstring."""
        lines = (self.function.__doc__ or "").strip().splitlines()
        return lines[0].strip() if lines else ""


steps: Registry[DailyStepDefinition] = Registry("daily step", order=lambda step: step.order)


def register_daily_step(name: str, order: int) -> Callable[[DailyStep], DailyStep]:
    def decorator(function: DailyStep) -> DailyStep:
        steps.add(name, DailyStepDefinition(name=name, order=order, function=function))
        return function

    return decorator


def daily_steps() -> list[DailyStepDefinition]:
    """The registered steps in the order they run."""
    return steps.entries()
