"""Set-based inserts of many rows, bypassing model instances.

``bulk_insert`` writes plain tuples: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.
At a million rows the ORM's per-instance work (building models, preparing every value)
costs more than the database itself; here each column's value is converted once by its
field's own database preparation, so dates, times, decimals and booleans are stored
exactly as Django would store them.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connections, models


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the length of a batch.

    A batch allocates millions of small objects (rows, values, dicts) and keeps many of
    them for a while; each full collection then walks every object the process holds,
    which cost an import a fifth of its time. Batch data holds no reference cycles, so
    nothing is left behind: the collector runs again when the batch ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def batch_page_cache(using: str = "default") -> Iterator[None]:
    """On SQLite, a larger page cache for the connection while a batch writes
    (``KEWEI_SQLITE_BATCH_CACHE_MB``; pages and staff pages keep the everyday size).

    Every new row goes into a dozen indexes at random places; once those indexes
    outgrow the cache, each insert reads pages back from the file. With a million
    customers, a 1 GB cache made an import's writes a third faster than 128 MB. The
    memory is taken only as pages are read, and given back when the batch ends."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (everyday,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(settings.KEWEI_SQLITE_BATCH_CACHE_MB) * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(everyday)}")


def _converter(field: models.Field, connection, prepared: bool) -> Callable[[Any], Any] | None:
    if prepared or isinstance(
        field,
        models.CharField
        | models.TextField
        | models.IntegerField
        | models.ForeignKey
        | models.AutoField,
    ):
        return None
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        # Batches repeat values (one timestamp for a whole load): convert each once.
        if value is not last[0]:
            last[0] = value
            last[1] = None if value is None else field.get_db_prep_save(value, connection)
        return last[1]

    return convert


def db_value(model: type[models.Model], name: str, value: Any, *, using: str = "default") -> Any:
    """``value`` in the database form of the field ``name``, as bulk_insert would store
    it: for a value every row shares (a load's timestamp), converted once and given to
    bulk_insert as prepared."""
    return model._meta.get_field(name).get_db_prep_save(value, connections[using])


def bulk_insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    prepared: Iterable[str] = (),
    using: str = "default",
) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, given as field names or
    attnames). Columns in ``prepared`` are passed as they are (already encrypted, say).
    Returns the number of rows written."""
    connection = connections[using]
    prepared = set(prepared)
    fields = []
    for name in columns:
        field = model._meta.get_field(name)
        fields.append(field)
    converters = [
        _converter(f, connection, f.name in prepared or f.attname in prepared) for f in fields
    ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_sql = ", ".join(quote(f.column) for f in fields)

    # Only the columns that need it are converted: most are text and numbers. Rows that
    # need none go to the database as they are (a row of the wrong width is refused
    # there: SQLite counts the bindings, COPY the columns).
    converting = [(i, convert) for i, convert in enumerate(converters) if convert is not None]

    def converted():
        for row in rows:
            row = list(row)
            for i, convert in converting:
                row[i] = convert(row[i])
            yield row

    return _write(connection, table, column_sql, len(fields), converted() if converting else rows)


def insert_rows(
    table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, using: str = "default"
) -> int:
    """Insert rows already in database form into a table that has no model (a temporary
    work table): ``table`` and ``columns`` are names the code chose, never input."""
    connection = connections[using]
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(column) for column in columns)
    return _write(connection, quote(table), column_sql, len(columns), rows)


def _write(connection, table: str, column_sql: str, width: int, rows: Iterable) -> int:
    """``COPY`` on PostgreSQL, ``executemany`` in blocks on SQLite."""
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # On the driver's own cursor, its errors raised as Django's (IntegrityError...).
            copying = cursor.cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN")
            with connection.wrap_database_errors, copying as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * width)
            # Table and column names come from the code, never from input.
            sql = f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})"  # noqa: S608
            rows = iter(rows)
            while batch := list(islice(rows, 5000)):
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def values_in(
    model: type[models.Model],
    columns: Sequence[str],
    field: str,
    values: Sequence[Any],
    *,
    using: str = "default",
) -> list[tuple]:
    """The ``columns`` (field names or attnames) of the rows whose ``field`` is one of
    ``values``: ``filter(field__in=values).values_list(*columns)`` for thousands of
    values, without the ORM preparing each one (values must be in database form: text,
    numbers). Rows come in no particular order."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    selected = ", ".join(quote(meta.get_field(name).column) for name in columns)
    where = quote(meta.get_field(field).column)
    return execute_in(
        # Table and column names come from the model, never from input.
        f"SELECT {selected} FROM {quote(meta.db_table)} WHERE {where} IN ({{values}})",  # noqa: S608
        values,
        using=using,
    )


def inserted_ids(
    model: type[models.Model], field: str, values: Sequence[Any], *, using: str = "default"
) -> dict[Any, int]:
    """The ids of the rows just written by :func:`bulk_insert`, by the value of a unique
    ``field``; ``values`` in the order the rows were written."""
    return _ids_in_order(model, field, values, using=using) or dict(
        values_in(model, [field, model._meta.pk.name], field, values, using=using)
    )


def _ids_in_order(
    model: type[models.Model], field: str, values: Sequence[Any], *, using: str = "default"
) -> dict[Any, int] | None:
    """The ids of the rows just written, without looking each one up: on SQLite, inside
    a transaction, which holds the database's only write lock, rows inserted one after
    another get ids one after another (``AUTOINCREMENT`` never reuses one), ending at
    ``last_insert_rowid()``. Checked at both ends; None where this does not hold
    (PostgreSQL's sequences are shared with concurrent transactions)."""
    connection = connections[using]
    if not values or connection.vendor != "sqlite" or not connection.in_atomic_block:
        return None
    quote = connection.ops.quote_name
    meta = model._meta
    pk, column = quote(meta.pk.column), quote(meta.get_field(field).column)
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_insert_rowid()")
        (last,) = cursor.fetchone()
        first = last - len(values) + 1
        cursor.execute(
            # Table and column names come from the model, never from input.
            f"SELECT {pk}, {column} FROM {quote(meta.db_table)} WHERE {pk} IN (%s, %s)",  # noqa: S608
            [first, last],
        )
        ends = dict(cursor.fetchall())
    if ends != {first: values[0], last: values[-1]}:
        return None
    return dict(zip(values, range(first, last + 1), strict=True))


def execute_in(sql: str, values: Sequence[Any], *, using: str = "default") -> list[tuple]:
    """Run ``sql`` for thousands of ``values``, a block at a time few enough to bind:
    ``{values}`` in it stands for the placeholders of the block (``IN ({values})``).
    Returns the rows a query gives, in no particular order. Table and column names in
    ``sql`` come from the code, never from input."""
    rows: list[tuple] = []
    with connections[using].cursor() as cursor:
        for start in range(0, len(values), 5000):
            block = values[start : start + 5000]
            cursor.execute(sql.replace("{values}", ", ".join(["%s"] * len(block))), block)
            if cursor.description is not None:
                rows += cursor.fetchall()
    return rows


def bulk_insert_arrow(model: type[models.Model], table, *, using: str = "default") -> int:
    """Insert an Apache Arrow table whose column names are the model's attnames. Values
    must already be in database form (dates as ISO text, amounts as integers): on
    PostgreSQL the table goes through ``COPY ... (FORMAT csv)`` as Arrow writes it, on
    SQLite through ``executemany``."""
    import pyarrow.csv as pacsv

    connection = connections[using]
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in table.column_names]
    target = quote(model._meta.db_table)
    column_sql = ", ".join(quote(f.column) for f in fields)
    if table.num_rows == 0:
        return 0
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False))
        statement = f"COPY {target} ({column_sql}) FROM STDIN (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())
        return table.num_rows
    columns = [table.column(name).to_pylist() for name in table.column_names]
    return _write(connection, target, column_sql, len(fields), zip(*columns, strict=True))


def fetch_arrow(sql: str, schema, *, using: str = "default"):
    """The rows of ``sql`` as an Apache Arrow table of ``schema`` (a ``pyarrow.schema``
    in the order of the selected columns): through ``COPY ... TO STDOUT (FORMAT csv)``
    on PostgreSQL, a plain fetch on SQLite (dates arrive as ISO text on both)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            if buffer.tell() == 0:
                return schema.empty_table()
            buffer.seek(0)
            return pacsv.read_csv(
                buffer,
                read_options=pacsv.ReadOptions(column_names=schema.names),
                convert_options=pacsv.ConvertOptions(column_types=schema, strings_can_be_null=True),
            )
        cursor.execute(sql)
        batches = []
        # In blocks, so that only one block of Python tuples exists at a time.
        while rows := cursor.fetchmany(100_000):
            columns = list(zip(*rows, strict=True))
            arrays = [pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)]
            batches.append(pa.record_batch(arrays, schema=schema))
    return pa.Table.from_batches(batches, schema=schema)
