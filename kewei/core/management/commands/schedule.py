"""``kewei schedule [--systemd DIR [--prefix P] [--environment-file F]] [--check DIR]``:
Kewei's schedule (kewei/core/schedule.py), the one place its periodic commands' times
are set. Without options it prints the table; ``--systemd DIR`` writes the systemd
units (services and timers) into DIR; ``--check DIR`` exits 1 when the units in DIR
are not the table's (CI runs it on deploy/systemd)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from kewei.core import schedule


class Command(BaseCommand):
    help = "运行计划：定时任务表与 systemd 单元 / the schedule and its systemd units"

    def add_arguments(self, parser):
        parser.add_argument("--systemd", type=Path, help="写入 systemd 单元的目录 / directory")
        parser.add_argument("--check", type=Path, help="核对该目录的单元 / compare a directory")
        parser.add_argument("--prefix", default=schedule.PREFIX, help="安装目录 / installation")
        parser.add_argument(
            "--environment-file", default=schedule.ENVIRONMENT_FILE, help="环境变量文件"
        )

    def handle(self, *args, systemd, check, prefix, environment_file, **options):
        units = {"prefix": prefix, "environment_file": environment_file}
        if check:
            expected = schedule.systemd_units(**units)
            stale = [
                name
                for name, text in expected.items()
                if not (check / name).is_file() or (check / name).read_text("utf-8") != text
            ]
            if stale:
                self.stderr.write(
                    f"与运行计划不一致 / not the schedule's units: {', '.join(stale)}; "
                    f"run kewei schedule --systemd {check}"
                )
                sys.exit(1)
            self.stdout.write(f"{len(expected)} 个单元一致 / units match")
            return
        if systemd:
            for path in schedule.write_systemd_units(systemd, **units):
                self.stdout.write(str(path))
            return
        for line in schedule.schedule_lines():
            self.stdout.write(line)
