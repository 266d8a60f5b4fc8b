"""Backing up and restoring the database (``kewei backup``, ``kewei restore``).

- SQLite (the embedded default): the online backup API (``sqlite3.Connection.backup``),
  a consistent copy taken while the pages and the worker keep running.
- PostgreSQL: ``pg_dump -Fc`` / ``pg_restore`` with the connection's parameters, from
  ``pg_config --bindir`` or the PATH.

The personal fields are encrypted in the backup as in the database: a backup is
readable only with the field-encryption keys (``KEWEI_FIELD_ENCRYPTION_KEYS``) and the
blind-index key (``KEWEI_BLIND_INDEX_KEY``), which are backed up apart from it
(docs/operations.md).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection as default_connection
from django.utils import timezone


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in both languages."""


def default_output() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if default_connection.vendor == "sqlite" else "dump"
    return Path(settings.VAR_DIR) / "backups" / f"kewei-{stamp}.{suffix}"


def postgres_program(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: from ``pg_config --bindir``, else the PATH."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run(  # noqa: S603 (a program found on the PATH, no input)
            [pg_config, "--bindir"], capture_output=True, text=True
        )
        candidate = Path(result.stdout.strip()) / name
        if result.returncode == 0 and candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}（PostgreSQL 客户端程序） / {name} not found")
    return found


def _postgres_arguments(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    arguments = []
    if settings_dict.get("HOST"):
        arguments += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return arguments, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # The PostgreSQL programs, with the connection's settings: no user input.
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} 失败 / failed ({result.returncode}): "
            f"{result.stderr.strip()[-2000:]}"
        )


def database_backup(*, output: Path, using: Any = None) -> Path:
    """Write a backup of the database of connection ``using`` (default: the default
    database) to ``output``; an existing file is refused."""
    connection = using or default_connection
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} 已存在 / already exists")
    output.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(output)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return output
    if connection.vendor != "postgresql":
        raise BackupError(f"不支持的数据库 / unsupported database: {connection.vendor}")
    arguments, env = _postgres_arguments(connection.settings_dict)
    _run(
        [
            postgres_program("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(output),
            *arguments,
            "--dbname",
            str(connection.settings_dict["NAME"]),
        ],
        env,
    )
    return output


def database_is_empty(connection: Any = None) -> bool:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


def database_restore(*, source: Path, force: bool = False, using: Any = None) -> None:
    """Restore the backup ``source`` into the database of connection ``using``. A
    database that holds tables is refused unless ``force``: then it is replaced."""
    connection = using or default_connection
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} 不存在 / not found")
    if not force and not database_is_empty(connection):
        raise BackupError(
            "数据库不为空，未恢复；确认要覆盖时加 --force / the database is not empty; "
            "nothing restored (add --force to replace it)"
        )
    if connection.vendor == "sqlite":
        with sqlite3.connect(source) as backup:
            if backup.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise BackupError(f"{source} 不是完好的 SQLite 备份 / not a sound backup")
            connection.ensure_connection()
            backup.backup(connection.connection)
        return
    arguments, env = _postgres_arguments(connection.settings_dict)
    connection.close()  # pg_restore --clean drops what this session may hold open
    _run(
        [
            postgres_program("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            *(["--clean", "--if-exists"] if force else []),
            *arguments,
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(source),
        ],
        env,
    )
