"""``kewei backup [--output FILE]``: a consistent backup of the database while Kewei
runs (SQLite: the online backup API; PostgreSQL: ``pg_dump -Fc``). Default file:
``var/backups/kewei-<date>-<time>.sqlite3`` (``.dump`` on PostgreSQL). The keys
(``KEWEI_FIELD_ENCRYPTION_KEYS``, ``KEWEI_BLIND_INDEX_KEY``) are not in it: back them up
apart (docs/operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from kewei.core.backup import BackupError, database_backup, default_output


class Command(BaseCommand):
    help = "备份数据库 / back up the database"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="备份文件 / the backup file")

    def handle(self, *args, output, **options):
        try:
            path = database_backup(output=output or default_output())
        except BackupError as error:
            self.stderr.write(str(error))
            sys.exit(1)
        self.stdout.write(f"已备份到 / backed up to {path} ({path.stat().st_size} bytes)")
