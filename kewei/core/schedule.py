"""Kewei's schedule (运行计划): the one place where the times of the periodic commands
are set. ``kewei schedule --systemd DIR`` writes the systemd units of the table (the
services of the page server and the job worker, and one service and timer per periodic
command); the units shipped in ``deploy/systemd/`` are that output, and a test keeps
them so. To change a time: edit :data:`SCHEDULE`, run
``kewei schedule --systemd deploy/systemd`` (or straight into ``/etc/systemd/system``
with ``--prefix`` and ``--environment-file`` of the installation) and
``systemctl daemon-reload``.

Times are the server's local time (``OnCalendar=`` of systemd.time(7)); a timer whose
time passed while the machine was off runs at start-up (``Persistent=true``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Periodic:
    """One periodic command: ``kewei <command>`` at the times of ``on_calendar``."""

    name: str  # the unit's name: kewei-<name>.service / .timer
    command: str  # the kewei command and its arguments
    on_calendar: str
    description: str
    # Retried while it exits with a code other than those in ``final_exit_codes``: the
    # nightly batch waits for a late feed (exit 3), not for another night (exit 4).
    retry_every: str | None = None
    retries: int = 0  # within the start limit's window, ``retry_window``
    retry_window: str = "1d"
    final_exit_codes: tuple[int, ...] = ()
    # The longest a run may take before systemd stops it.
    timeout: str = "1h"
    random_delay: str | None = None


@dataclass(frozen=True)
class Daemon:
    """A long-running process: the page server, the job worker."""

    name: str
    command: str
    description: str
    reload_signal: str | None = None
    extra: tuple[str, ...] = field(default=())


DAEMONS: tuple[Daemon, ...] = (
    Daemon(
        "web",
        "serve",
        "Kewei 客维: page server / 网页服务",
        reload_signal="HUP",  # a graceful restart of the workers, one by one
    ),
    Daemon("worker", "worker", "Kewei 客维: background-job worker / 后台任务进程"),
)

SCHEDULE: tuple[Periodic, ...] = (
    Periodic(
        "night",
        "run_daily",
        "*-*-* 02:30:00",
        "Kewei 客维: nightly batch of yesterday / 日终批处理",
        # The feed of the day may come late: try again every 15 minutes, 16 times (4 h);
        # then the unit is failed, which the monitoring alerts on.
        retry_every="15min",
        retries=16,
        retry_window="5h",
        final_exit_codes=(4,),
        timeout="4h",
    ),
    Periodic(
        "complaints-escalate",
        "complaints_escalate",
        "*-*-* *:05:00",
        "Kewei 客维: escalate late complaints / 逾期投诉升级",
        timeout="15min",
    ),
    Periodic(
        "messages-dispatch",
        "messages_dispatch",
        "*-*-* *:00/5:00",
        "Kewei 客维: send the due queued messages / 发送到期消息",
        timeout="15min",
    ),
    Periodic(
        "prune-imports",
        "prune_imports",
        "*-*-* *:35:00",
        "Kewei 客维: delete expired uploads and exports / 删除过期上传与导出文件",
        timeout="15min",
    ),
    Periodic(
        "points-verify",
        "points_verify",
        "*-*-* 06:30:00",
        "Kewei 客维: verify the points ledger / 核对积分账",
        timeout="1h",
    ),
    Periodic(
        "anonymise-departed",
        "anonymise_departed",
        "*-*-* 05:00:00",
        "Kewei 客维: anonymise customers past retention / 离行客户个人信息匿名化",
        timeout="2h",
    ),
)

PREFIX = "/opt/kewei"  # the installation: its virtual environment is PREFIX/venv
ENVIRONMENT_FILE = "/etc/kewei/kewei.env"  # KEWEI_* settings, secrets (mode 0600)
USER = "kewei"
WORKING_DIRECTORY = "/var/lib/kewei"

_HEADER = "# Written by `kewei schedule --systemd` from kewei/core/schedule.py: edit that.\n"


def _service_common(*, environment_file: str) -> list[str]:
    return [
        f"User={USER}",
        f"Group={USER}",
        f"WorkingDirectory={WORKING_DIRECTORY}",
        f"EnvironmentFile={environment_file}",
        "Environment=DJANGO_SETTINGS_MODULE=kewei.settings.production",
    ]


def _kewei(prefix: str, command: str) -> str:
    return f"{prefix}/venv/bin/kewei {command}"


def systemd_units(
    *, prefix: str = PREFIX, environment_file: str = ENVIRONMENT_FILE
) -> dict[str, str]:
    """Every unit of the schedule: file name -> text."""
    common = _service_common(environment_file=environment_file)
    units: dict[str, str] = {}
    for daemon in DAEMONS:
        lines = [
            "[Unit]",
            f"Description={daemon.description}",
            "After=network-online.target postgresql.service",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=simple",
            *common,
            f"ExecStart={_kewei(prefix, daemon.command)}",
        ]
        if daemon.reload_signal:
            lines.append(f"ExecReload=/bin/kill -{daemon.reload_signal} $MAINPID")
        lines += [
            "KillSignal=SIGTERM",
            "TimeoutStopSec=60",
            "Restart=always",
            "RestartSec=5",
            *daemon.extra,
            "",
            "[Install]",
            "WantedBy=multi-user.target",
        ]
        units[f"kewei-{daemon.name}.service"] = _HEADER + "\n".join(lines) + "\n"
    for job in SCHEDULE:
        unit = [
            "[Unit]",
            f"Description={job.description}",
            "After=network-online.target postgresql.service",
        ]
        if job.retry_every:
            unit += [
                f"StartLimitIntervalSec={job.retry_window}",
                f"StartLimitBurst={job.retries + 1}",
            ]
        service = [
            "",
            "[Service]",
            "Type=oneshot",
            *common,
            f"ExecStart={_kewei(prefix, job.command)}",
            f"TimeoutStartSec={job.timeout}",
        ]
        if job.retry_every:
            service += ["Restart=on-failure", f"RestartSec={job.retry_every}"]
            if job.final_exit_codes:
                codes = " ".join(str(code) for code in job.final_exit_codes)
                service.append(f"RestartPreventExitStatus={codes}")
        units[f"kewei-{job.name}.service"] = _HEADER + "\n".join(unit + service) + "\n"
        timer = [
            "[Unit]",
            f"Description={job.description} (timer)",
            "",
            "[Timer]",
            f"OnCalendar={job.on_calendar}",
            "Persistent=true",
        ]
        if job.random_delay:
            timer.append(f"RandomizedDelaySec={job.random_delay}")
        timer += [f"Unit=kewei-{job.name}.service", "", "[Install]", "WantedBy=timers.target"]
        units[f"kewei-{job.name}.timer"] = _HEADER + "\n".join(timer) + "\n"
    return units


def write_systemd_units(directory: Path, **options: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in systemd_units(**options).items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def schedule_lines() -> list[str]:
    """The table as ``kewei schedule`` prints it."""
    return [f"{job.on_calendar:<18} kewei {job.command:<22} {job.name}" for job in SCHEDULE]
