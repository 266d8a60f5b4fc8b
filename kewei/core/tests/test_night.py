"""The nightly batch's runner (kewei.core.night): its exit codes, its record of each
night and step, its lock against a second scheduler, ``--status``, the readiness check
and the administrators' page."""

from __future__ import annotations

import datetime as dt
import fcntl
import io

import pytest
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from kewei.core import night
from kewei.core.daily import DailyStepDefinition
from kewei.core.models import NightRun, NightState, NightStep
from kewei.products.models import FeedDay

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)


def _steps(*functions):
    return lambda: [
        DailyStepDefinition(name=f"test.step{i}", order=i, function=function)
        for i, function in enumerate(functions, start=1)
    ]


def _run_daily(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("run_daily", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_a_night_whose_feed_has_not_arrived_exits_3_with_one_line(monkeypatch):
    # given: no feed for the day, and a step that must not run
    ran = []
    monkeypatch.setattr(night, "daily_steps", _steps(lambda day: ran.append(day) or "x"))
    # when
    code, out, err = _run_daily("--date", DAY.isoformat())
    # then
    assert code == night.EXIT_FEED_MISSING == 3
    assert out == ""
    assert err == (
        "2026-11-30 的日终数据尚未装载，稍后重试 / the feed of 2026-11-30 has not been "
        "loaded; retry later (kewei load_day)\n"
    )
    assert ran == []
    run = NightRun.objects.get()
    assert (run.day, run.state, run.steps.count()) == (DAY, NightState.FEED_MISSING, 0)
    assert run.finished_at is not None


def test_a_night_records_each_step_with_its_summary(monkeypatch):
    # given
    FeedDay.objects.create(day=DAY, manifest_sha256="0" * 64)
    monkeypatch.setattr(night, "daily_steps", _steps(lambda day: "12 rows", lambda day: "3 rows"))
    # when
    code, out, err = _run_daily("--date", DAY.isoformat())
    # then
    assert (code, err) == (0, "")
    assert out == "2026-11-30 test.step1: 12 rows\n2026-11-30 test.step2: 3 rows\n"
    run = NightRun.objects.get()
    assert (run.day, run.state, run.error) == (DAY, NightState.DONE, "")
    steps = list(run.steps.values_list("name", "position", "state", "summary", "error"))
    assert steps == [
        ("test.step1", 1, "done", "12 rows", ""),
        ("test.step2", 2, "done", "3 rows", ""),
    ]
    assert all(step.finished_at >= step.started_at for step in run.steps.all())


def test_a_failed_step_stops_the_night_with_exit_1_and_is_recorded(monkeypatch):
    # given
    FeedDay.objects.create(day=DAY, manifest_sha256="0" * 64)
    after = []

    def broken(day):
        raise ValueError("disk full")

    monkeypatch.setattr(
        night, "daily_steps", _steps(lambda day: "ok", broken, lambda day: after.append(1))
    )
    # when
    code, _out, err = _run_daily("--date", DAY.isoformat())
    # then
    assert code == night.EXIT_STEP_FAILED == 1
    assert err == "2026-11-30 test.step2: 失败 / failed: disk full\n"
    assert after == []
    run = NightRun.objects.get()
    assert run.state == NightState.FAILED
    steps = list(run.steps.values_list("name", "state", "error"))
    assert steps == [("test.step1", "done", ""), ("test.step2", "failed", "disk full")]


def test_status_shows_the_last_nights_with_each_step(monkeypatch):
    # given: a night done, then a night whose feed is missing
    FeedDay.objects.create(day=DAY, manifest_sha256="0" * 64)
    monkeypatch.setattr(night, "daily_steps", _steps(lambda day: "12 rows"))
    _run_daily("--date", DAY.isoformat())
    _run_daily("--date", (DAY + dt.timedelta(days=1)).isoformat())
    # when
    code, out, _err = _run_daily("--status", "5")
    # then
    lines = out.splitlines()
    assert code == 0
    assert len(lines) == 4
    assert lines[0].startswith("2026-12-01 feed_missing ")
    assert lines[1] == (
        "    2026-12-01 的日终数据尚未装载，稍后重试 / the feed of 2026-12-01 has not been "
        "loaded; retry later (kewei load_day)"
    )
    assert lines[2].startswith("2026-11-30 done ")
    assert lines[3].startswith("    test.step1 done ") and lines[3].endswith("s 12 rows")


def test_status_of_a_system_that_never_ran_a_night():
    # when
    code, out, _err = _run_daily("--status")
    # then
    assert (code, out) == (0, "尚无日终批处理记录 / no nightly batch has run yet\n")


@pytest.mark.sqlite  # the SQLite file lock
def test_a_second_night_on_sqlite_respects_the_lock(monkeypatch, tmp_path, settings):
    # given: another process holds the lock file
    settings.VAR_DIR = tmp_path
    FeedDay.objects.create(day=DAY, manifest_sha256="0" * 64)
    ran = []
    monkeypatch.setattr(night, "daily_steps", _steps(lambda day: ran.append(day) or "x"))
    with (tmp_path / "night.lock").open("a") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # when
        code, _out, err = _run_daily("--date", DAY.isoformat())
    # then
    assert code == night.EXIT_LOCKED == 4
    assert (
        err
        == "另一个日终批处理正在运行，本次未执行 / another nightly batch is running; nothing done\n"
    )
    assert (ran, NightRun.objects.count()) == ([], 0)
    # and once the other has finished, the night runs
    assert _run_daily("--date", DAY.isoformat())[0] == 0


@pytest.mark.postgres
def test_a_second_night_on_postgresql_respects_the_lock(monkeypatch):
    # given: another session (a second scheduler) holds the night's advisory lock
    FeedDay.objects.create(day=DAY, manifest_sha256="0" * 64)
    ran = []
    monkeypatch.setattr(night, "daily_steps", _steps(lambda day: ran.append(day) or "x"))
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [night.NIGHT_LOCK])
            assert cursor.fetchone() == (True,)
        # when
        code, _out, err = _run_daily("--date", DAY.isoformat())
    finally:
        other.close()
    # then
    assert code == night.EXIT_LOCKED
    assert (
        err
        == "另一个日终批处理正在运行，本次未执行 / another nightly batch is running; nothing done\n"
    )
    assert (ran, NightRun.objects.count()) == ([], 0)
    # and once the other session has ended, the night runs and releases the lock
    assert _run_daily("--date", DAY.isoformat())[0] == 0
    probe = connections.create_connection("default")
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [night.NIGHT_LOCK])
            assert cursor.fetchone() == (True,)
    finally:
        probe.close()


def _night(day, state):
    return NightRun.objects.create(day=day, state=state, started_at=dt.datetime.now(dt.UTC))


def test_readiness_night_check(client, settings):
    # given: yesterday's night failed, the one before is the last done, and the check
    # allows two days
    settings.KEWEI_READY_MIN_WORKERS = 0
    settings.KEWEI_READY_NIGHT_MAX_AGE_DAYS = 2
    today = timezone.localdate()
    _night(today - dt.timedelta(days=3), NightState.DONE)
    _night(today - dt.timedelta(days=1), NightState.FAILED)
    # when
    response = client.get(reverse("readiness"))
    # then: three days behind, more than the two allowed
    assert response.status_code == 503
    assert response.json()["checks"]["night"] == {
        "ok": False,
        "last_done_day": (today - dt.timedelta(days=3)).isoformat(),
        "latest": {"day": (today - dt.timedelta(days=1)).isoformat(), "state": "failed"},
        "max_age_days": 2,
    }
    # when the night of two days ago is done
    _night(today - dt.timedelta(days=2), NightState.DONE)
    response = client.get(reverse("readiness"))
    # then
    assert response.status_code == 200
    assert response.json()["checks"]["night"]["ok"] is True


def test_readiness_of_a_system_that_never_ran_a_night(client, settings):
    # given: a check that allows two days, and no night ever ran
    settings.KEWEI_READY_MIN_WORKERS = 0
    settings.KEWEI_READY_NIGHT_MAX_AGE_DAYS = 2
    # when
    response = client.get(reverse("readiness"))
    # then
    assert response.status_code == 200
    assert response.json()["checks"]["night"] == {
        "ok": True,
        "last_done_day": None,
        "latest": None,
        "max_age_days": 2,
    }


def test_the_administrators_page_shows_each_night_and_its_steps(client, bank):
    # given
    run = _night(DAY, NightState.FAILED)
    run.error = "2026-11-30 care.run: 失败 / failed: disk full"
    run.save()
    start = run.started_at
    NightStep.objects.create(
        run=run,
        name="points.accrue",
        position=1,
        state="done",
        started_at=start,
        finished_at=start + dt.timedelta(seconds=2.5),
        summary="120 积分 / points",
    )
    NightStep.objects.create(
        run=run,
        name="care.run",
        position=2,
        state="failed",
        started_at=start,
        error="disk full",
    )
    client.force_login(bank.admin)
    # when
    response = client.get(reverse("night_run_list"))
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-11-30" in page
    assert "points.accrue" in page and "120 积分 / points" in page and "2.5" in page
    assert "care.run" in page and "disk full" in page


def test_readiness_night_check_turned_off(client, settings):
    # given: the last night done is a week old, and the check is off (the default)
    settings.KEWEI_READY_MIN_WORKERS = 0
    _night(timezone.localdate() - dt.timedelta(days=7), NightState.DONE)
    # when
    response = client.get(reverse("readiness"))
    # then
    assert response.status_code == 200
    assert response.json()["checks"]["night"]["ok"] is True
