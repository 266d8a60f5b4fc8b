"""``kewei prune_imports [--hours 24]``: delete uploaded import files left behind by
previews that were never confirmed (they hold personal data in clear). Run daily."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "删除过期的导入上传文件 / delete stale import uploads"

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours, **options):
        folder = settings.MEDIA_ROOT / "imports"
        cutoff = time.time() - hours * 3600
        removed = 0
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        self.stdout.write(f"已删除 {removed} 个过期上传文件 / removed {removed} stale uploads")
