"""``kewei restore FILE [--force]``: restore a ``kewei backup`` file into the configured
database, with Kewei stopped. A database that already holds tables is refused unless
``--force`` (then it is replaced). Run ``kewei migrate`` afterwards when the backup
comes from an older version."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from kewei.core.backup import BackupError, database_restore


class Command(BaseCommand):
    help = "从备份恢复数据库 / restore the database from a backup"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="备份文件 / the backup file")
        parser.add_argument(
            "--force", action="store_true", help="覆盖非空数据库 / replace a non-empty database"
        )

    def handle(self, *args, file, force, **options):
        try:
            database_restore(source=file, force=force)
        except BackupError as error:
            self.stderr.write(str(error))
            sys.exit(1)
        self.stdout.write(f"已从 {file} 恢复 / restored from {file}")
