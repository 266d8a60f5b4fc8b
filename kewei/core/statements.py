"""Set-based batches written as SQL text over model tables: ``{name}`` in a statement
stands for a model's quoted table name, so the text names no table twice and survives a
renamed table."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection, models


class Statements:
    """Run statements on Django's connection (inside the caller's transaction), with
    ``{name}`` replaced by the table of ``tables[name]``."""

    def __init__(self, tables: Mapping[str, type[models.Model]]) -> None:
        self.tables = dict(tables)

    def names(self) -> dict[str, str]:
        quote = connection.ops.quote_name
        return {name: quote(model._meta.db_table) for name, model in self.tables.items()}

    def run(self, sql: str, params: dict | None = None) -> int:
        """Run one statement; returns the rows it changed."""
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**self.names()), params or {})
            return cursor.rowcount

    def fetch(self, sql: str, params: dict | None = None) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(**self.names()), params or {})
            return cursor.fetchall()
