"""Run Ibis pipelines on Django's database connection.

Ibis's own SQLite connection commits by itself, so it is never handed Django's
connection: the expression is compiled to SQL text and executed through Django's cursor,
inside whatever transaction the caller holds.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import ibis
from django.db import connections

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres"}


def dialect_for(using: str = "default") -> str:
    vendor = connections[using].vendor
    try:
        return DIALECTS[vendor]
    except KeyError:
        raise NotImplementedError(f"the batch engine does not support {vendor}") from None


@functools.lru_cache(maxsize=256)
def _compile(expr: ibis.Expr, dialect: str) -> str:
    # Ibis expressions hash by structure: a pipeline built again compiles once.
    return str(ibis.to_sql(expr, dialect=dialect))


def to_sql(expr: ibis.Expr, using: str = "default") -> str:
    return _compile(expr, dialect_for(using))


def warm_up(using: str = "default") -> None:
    """Load the SQL compiler (a one-off cost of ~0.1 s) before timing anything."""
    to_sql(ibis.table({"warm": "int64"}, name="warm_up").filter(ibis._.warm > 0), using)


def fetch_all(expr: ibis.Table, using: str = "default") -> list[tuple]:
    with connections[using].cursor() as cursor:
        cursor.execute(to_sql(expr, using))
        return cursor.fetchall()


def insert_into(
    target: str, columns: Sequence[str], expr: ibis.Table, using: str = "default"
) -> int:
    """``INSERT INTO target (columns) SELECT ...``: materialise a pipeline in one statement."""
    connection = connections[using]
    quote = connection.ops.quote_name
    select = to_sql(expr.select(*columns), using)
    statement = f"INSERT INTO {quote(target)} ({', '.join(quote(c) for c in columns)}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.rowcount
