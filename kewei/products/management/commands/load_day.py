"""``kewei load_day --date 2026-11-25 DIR [--report REJECTS.csv]``: load one day of the
core system's daily feed (format: ``docs/daily-feed.md``).

Prints ``<file>: loaded N, rejected N`` for each file; exits 0 when nothing was
rejected, 1 when some rows were rejected (the rest is loaded), 2 when the day was
refused as a whole (manifest and files do not match; nothing is written).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from kewei.core.commands import parse_date
from kewei.products.feed.loading import load_day, write_rejects
from kewei.products.feed.reading import FeedError


class Command(BaseCommand):
    help = "装载一天的日终数据 / load one day of the core banking feed"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", required=True, type=parse_date, help="数据日期 / business day"
        )
        parser.add_argument("directory", type=Path, help="该日数据目录 / the day's directory")
        parser.add_argument(
            "--report", type=Path, help="拒绝行报告（CSV），默认写入数据目录旁的 var/feed/"
        )

    def handle(self, *args, date, directory, report, **options):
        started = timezone.now()
        try:
            result = load_day(date, directory)
        except FeedError as error:
            self.stderr.write(
                f"{date} 拒绝装载，未写入任何数据 / day refused, nothing written: {error}"
            )
            sys.exit(2)
        for line in result.lines():
            self.stdout.write(line)
        for reject in result.rejects[:20]:
            self.stderr.write(f"{reject.file} 第 {reject.row} 行 [{reject.column}] {reject.reason}")
        if len(result.rejects) > 20:
            self.stderr.write(f"…… 另有 {len(result.rejects) - 20} 行被拒绝 / more rejects")
        if result.rejects:
            path = write_rejects(result, report)
            self.stderr.write(f"拒绝行报告 / rejects report: {path}")
        seconds = (timezone.now() - started).total_seconds()
        self.stderr.write(f"{date} 装载完成 / loaded in {seconds:.1f}s")
        if result.rejected:
            sys.exit(1)
