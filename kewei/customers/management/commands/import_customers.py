"""``kewei import_customers FILE [--dry-run] [--report REPORT.csv]``.

Prints ``imported N, updated N, unchanged N, rejected N``; exits 0 when nothing was
rejected, 1 when some rows were rejected, 2 when the file itself is unusable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from kewei.core.progress import BarProgress
from kewei.customers.importing import ImportFileError, import_customers, write_report


class Command(BaseCommand):
    help = "批量导入客户（CSV/XLSX） / import customers from CSV or XLSX"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--report", type=Path, help="被拒绝行的报告（CSV）")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, file, dry_run, report, no_progress, **options):
        progress = BarProgress(stdout=_Null(), stderr=self.stderr._out, enabled=not no_progress)
        try:
            result = import_customers(file, dry_run=dry_run, progress=progress)
        except ImportFileError as error:
            self.stderr.write(f"文件无法导入 / unusable file: {error}")
            sys.exit(2)
        for problem in result.errors[:20]:
            self.stderr.write(f"第 {problem.row} 行 [{problem.column}] {problem.reason}")
        if len(result.errors) > 20:
            self.stderr.write(f"…… 另有 {len(result.errors) - 20} 处错误 / more errors")
        if report:
            write_report(result, report)
        self.stdout.write(result.summary + (" (dry run)" if dry_run else ""))
        if result.rejected:
            sys.exit(1)


class _Null:
    def write(self, text: str) -> None:
        pass
