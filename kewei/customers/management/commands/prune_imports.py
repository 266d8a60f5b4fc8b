"""``kewei prune_imports [--hours H] [--export-hours H]``: delete expired files with
personal data: import uploads (left behind by previews never confirmed) and their
reports older than ``--hours`` (default ``KEWEI_UPLOAD_RETENTION_HOURS``), and exports
older than ``--export-hours`` (default ``KEWEI_EXPORT_RETENTION_HOURS``). The nightly
batch (``kewei run_daily``) does the same with the settings; this runs it on its own."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kewei.jobs.retention import media_prune


class Command(BaseCommand):
    help = "删除过期的导入上传文件与导出文件 / delete expired import uploads and exports"

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours", type=int, default=None, help="上传文件保留小时数 / hours uploads are kept"
        )
        parser.add_argument(
            "--export-hours",
            type=int,
            default=None,
            help="导出文件保留小时数 / hours exports are kept",
        )

    def handle(self, *args, hours, export_hours, **options):
        result = media_prune(upload_hours=hours, export_hours=export_hours)
        self.stdout.write(
            f"已删除 {result.uploads} 个过期上传文件 / removed {result.uploads} stale uploads; "
            f"已删除 {result.exports} 个过期导出文件 / removed {result.exports} stale exports"
        )
