"""The shipped schedule (deploy/systemd/) is the output of kewei/core/schedule.py, and
one of its scheduled commands runs through the shipped unit's ExecStart line."""

from __future__ import annotations

import base64
import os
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from kewei.core import schedule

SHIPPED = Path(__file__).resolve().parents[3] / "deploy" / "systemd"
KEWEI = Path(sys.executable).with_name("kewei")


def _unit_lines(name: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in (SHIPPED / name).read_text("utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_the_shipped_units_are_the_schedules_output():
    # given
    expected = schedule.systemd_units()
    # when
    shipped = {path.name: path.read_text("utf-8") for path in SHIPPED.iterdir()}
    # then
    assert shipped == expected


def test_every_periodic_command_has_a_timer_and_the_services_exist():
    # when
    names = sorted(path.name for path in SHIPPED.iterdir())
    # then
    assert names == sorted(
        ["kewei-web.service", "kewei-worker.service"]
        + [f"kewei-{job.name}.{kind}" for job in schedule.SCHEDULE for kind in ("service", "timer")]
    )
    assert _unit_lines("kewei-night.service")["ExecStart"] == [
        "/opt/kewei/venv/bin/kewei run_daily"
    ]
    assert _unit_lines("kewei-night.service")["RestartPreventExitStatus"] == ["4"]
    assert _unit_lines("kewei-web.service")["ExecStart"] == ["/opt/kewei/venv/bin/kewei serve"]
    assert _unit_lines("kewei-complaints-escalate.service")["ExecStart"] == [
        "/opt/kewei/venv/bin/kewei complaints_escalate"
    ]


def test_check_finds_a_unit_changed_by_hand(tmp_path, capsys):
    # given
    call_command("schedule", "--systemd", str(tmp_path))
    (tmp_path / "kewei-night.timer").write_text("[Timer]\nOnCalendar=*-*-* 01:00:00\n")
    # when
    with pytest.raises(SystemExit) as exit_:
        call_command("schedule", "--check", str(tmp_path))
    # then
    assert exit_.value.code == 1
    assert "kewei-night.timer" in capsys.readouterr().err


def test_a_scheduled_command_runs_through_the_shipped_units_exec_start(tmp_path):
    # given: an installation (a fresh database, production settings as the unit's
    # Environment= says, secrets as its EnvironmentFile would give) holding an upload
    # older than its retention and a fresh one
    unit = _unit_lines("kewei-prune-imports.service")
    environment = dict(line.split("=", 1) for line in unit["Environment"])
    env = {
        **os.environ,
        **environment,
        "KEWEI_VAR_DIR": str(tmp_path),
        "KEWEI_DATABASE_URL": f"sqlite:///{tmp_path / 'kewei.sqlite3'}",
        "KEWEI_SECRET_KEY": secrets.token_urlsafe(50),
        "KEWEI_FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "KEWEI_BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "KEWEI_ALLOWED_HOSTS": "kewei.bank.internal",
    }
    subprocess.run([str(KEWEI), "migrate", "-v0"], env=env, check=True, cwd=tmp_path)
    uploads = tmp_path / "media" / "imports"
    uploads.mkdir(parents=True)
    stale, fresh = uploads / "stale.csv", uploads / "fresh.csv"
    stale.write_text("x")
    fresh.write_text("x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    # when: the unit's ExecStart, with the installation's kewei for /opt/kewei's
    (command,) = unit["ExecStart"]
    program, *arguments = shlex.split(command)
    assert program == f"{schedule.PREFIX}/venv/bin/kewei"
    result = subprocess.run(
        [str(KEWEI), *arguments], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    # then
    assert result.returncode == 0, result.stderr
    assert "removed 1 stale uploads" in result.stdout
    assert (stale.exists(), fresh.exists()) == (False, True)


def test_the_night_unit_on_a_day_without_feed_exits_3_with_one_line(tmp_path):
    # given: a fresh installation, no feed loaded
    unit = _unit_lines("kewei-night.service")
    env = {
        **os.environ,
        "KEWEI_VAR_DIR": str(tmp_path),
        "KEWEI_DATABASE_URL": f"sqlite:///{tmp_path / 'kewei.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([str(KEWEI), "migrate", "-v0"], env=env, check=True, cwd=tmp_path)
    (command,) = unit["ExecStart"]
    _program, *arguments = shlex.split(command)
    # when
    result = subprocess.run(
        [str(KEWEI), *arguments, "--date", "2026-11-30"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    # then: the exit code the unit retries on, one line, no traceback
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr == (
        "2026-11-30 的日终数据尚未装载，稍后重试 / the feed of 2026-11-30 has not been "
        "loaded; retry later (kewei load_day)\n"
    )
