"""Running the nightly batch (日终批处理) of one business day: the lock that keeps two
schedulers from running a night at once, the checks that the night can start (the day's
feed is loaded), and the record of each night and its steps (:class:`NightRun`,
:class:`NightStep`) that the administrators' page, ``kewei run_daily --status`` and the
readiness check read.

``kewei run_daily`` exits with one of the codes below (docs/operations.md), so that the
schedule can tell a night to retry later from one that needs a person.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from kewei.core.daily import daily_steps
from kewei.core.models import NightRun, NightState, NightStep
from kewei.core.registry import Registry

logger = logging.getLogger("kewei.daily")

EXIT_DONE = 0
EXIT_STEP_FAILED = 1
EXIT_FEED_MISSING = 3  # the day's feed has not arrived: retry later
EXIT_LOCKED = 4  # another night is running: do nothing

NIGHT_LOCK = 20261207  # PostgreSQL advisory lock of the nightly batch (session level)

# Checks that must hold before a night starts: (business day) -> None when the night
# may run, else the reason it may not (one line). Apps register them by name
# (``@night_checks.register("products.feed_loaded")``: the day's feed is loaded).
NightCheck = Callable[[dt.date], "str | None"]
night_checks: Registry[NightCheck] = Registry("night check")


class NightLocked(Exception):
    """Another ``kewei run_daily`` holds the night's lock."""


def _sqlite_lock_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name and name != ":memory:" and not name.startswith("file:"):
        return Path(f"{name}.night.lock")
    return Path(settings.VAR_DIR) / "night.lock"


@contextmanager
def night_lock() -> Iterator[None]:
    """Hold the nightly batch's lock for the block, or raise :class:`NightLocked` at
    once. PostgreSQL: a session advisory lock on a connection of its own (the steps
    may close theirs); SQLite: an exclusive ``flock`` on a file beside the database.
    Both are released when the process ends, however it ends."""
    if connection.vendor == "postgresql":
        holder = connections.create_connection("default")
        try:
            with holder.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [NIGHT_LOCK])
                (taken,) = cursor.fetchone()
            if not taken:
                raise NightLocked
            yield
        finally:
            holder.close()  # the session ends, and the lock with it
        return
    import fcntl

    path = _sqlite_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NightLocked from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class NightResult:
    code: int
    run: NightRun | None
    message: str = ""


def night_run(*, day: dt.date, write: Callable[[str], None] = print) -> NightResult:
    """Run the night of ``day``: every registered step in order, stopping at the first
    that fails. Each run and step is recorded as it goes (committed at once, so the
    page shows a night in progress). Steps are idempotent: a night run again does only
    what is left."""
    try:
        with night_lock():
            return _run_locked(day=day, write=write)
    except NightLocked:
        message = (
            "另一个日终批处理正在运行，本次未执行 / another nightly batch is running; nothing done"
        )
        return NightResult(code=EXIT_LOCKED, run=None, message=message)


def _run_locked(*, day: dt.date, write: Callable[[str], None]) -> NightResult:
    run = NightRun.objects.create(
        day=day,
        state=NightState.RUNNING,
        started_at=timezone.now(),
        host=socket.gethostname()[:100],
        pid=os.getpid(),
    )
    for check in night_checks.entries():
        reason = check(day)
        if reason:
            _finish(run, NightState.FEED_MISSING, reason)
            return NightResult(code=EXIT_FEED_MISSING, run=run, message=reason)
    for position, step in enumerate(daily_steps(), start=1):
        record = NightStep.objects.create(
            run=run,
            name=step.name,
            position=position,
            state=NightState.RUNNING,
            started_at=timezone.now(),
        )
        try:
            summary = step.function(day)
        except Exception as error:
            logger.exception("daily step %s failed for %s", step.name, day)
            _finish(record, NightState.FAILED, str(error))
            message = f"{day} {step.name}: 失败 / failed: {error}"
            _finish(run, NightState.FAILED, message)
            return NightResult(code=EXIT_STEP_FAILED, run=run, message=message)
        record.summary = summary or ""
        _finish(record, NightState.DONE)
        write(f"{day} {step.name}: {summary}")
    _finish(run, NightState.DONE)
    return NightResult(code=EXIT_DONE, run=run)


def _finish(row: NightRun | NightStep, state: str, error: str = "") -> None:
    row.state = state
    row.error = error
    row.finished_at = timezone.now()
    row.save()


def night_status_lines(*, nights: int = 7) -> list[str]:
    """The last ``nights`` runs, newest first, for ``kewei run_daily --status``: one line
    per run (day, state, start, duration), then one per step (duration, summary or
    error)."""
    lines: list[str] = []
    runs = list(NightRun.objects.prefetch_related("steps")[:nights])
    if not runs:
        return ["尚无日终批处理记录 / no nightly batch has run yet"]
    for run in runs:
        started = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"{run.day} {run.state} {started} {_seconds(run.duration)}")
        if run.error and not any(step.error for step in run.steps.all()):
            lines.append(f"    {run.error}")
        for step in run.steps.all():
            outcome = step.error or step.summary
            lines.append(f"    {step.name} {step.state} {_seconds(step.duration)} {outcome}")
    return lines


def _seconds(duration: dt.timedelta | None) -> str:
    return "-" if duration is None else f"{duration.total_seconds():.1f}s"


def night_readiness(*, today: dt.date | None = None) -> dict:
    """The readiness check's ``night``: the last night that finished is recent enough
    (no more than ``KEWEI_READY_NIGHT_MAX_AGE_DAYS`` business days behind today). A
    system that has never run a night is ready (a new installation); 0 turns the check
    off (the load balancer then keeps the pages up while the batch is late)."""
    today = today or timezone.localdate()
    max_age = settings.KEWEI_READY_NIGHT_MAX_AGE_DAYS
    latest = NightRun.objects.only("day", "state").first()
    last_done = (
        NightRun.objects.filter(state=NightState.DONE)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    ok = (
        max_age <= 0  # the check is off: reported, never "not ready"
        or latest is None
        or (last_done is not None and last_done >= today - dt.timedelta(days=max_age))
    )
    return {
        "ok": ok,
        "last_done_day": last_done,
        "latest": {"day": latest.day, "state": latest.state} if latest else None,
        "max_age_days": max_age,
    }
