"""The nightly batch (日终批处理): the steps apps register, run in order for one business
day by ``kewei run_daily``. Every step is idempotent, so running a night again (after a
failure, or by mistake) does only what is left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

DailyStep = Callable[[dt.date], str]  # (business day) -> a one-line summary


@dataclass(frozen=True)
class DailyStepDefinition:
    name: str
    order: int
    function: DailyStep


_steps: dict[str, DailyStepDefinition] = {}


def register_daily_step(name: str, order: int) -> Callable[[DailyStep], DailyStep]:
    def decorator(function: DailyStep) -> DailyStep:
        _steps[name] = DailyStepDefinition(name=name, order=order, function=function)
        return function

    return decorator


def daily_steps() -> list[DailyStepDefinition]:
    return sorted(_steps.values(), key=lambda step: step.order)
