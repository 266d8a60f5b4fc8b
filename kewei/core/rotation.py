"""Key rotation (密钥轮换): re-encrypt every stored personal value under the newest key
of ``KEWEI_FIELD_ENCRYPTION_KEYS`` (``kewei rotate_keys``), after which the older keys
may be removed from the list. Values are read and written as stored (the raw
``k1:<key id>:…`` tokens), in primary-key batches, one transaction per batch; a value
already under the newest key is left alone, so a run cut short is simply run again."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from kewei.core import crypto
from kewei.core.fields import EncryptedTextField


@dataclass(frozen=True)
class RotationResult:
    values: int  # values re-encrypted
    tables: int  # tables with encrypted columns


def encrypted_columns() -> list[tuple[str, str, list[str]]]:
    """(table, primary key column, encrypted columns) of every model."""
    found = []
    for model in apps.get_models():
        columns = [
            field.column
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if columns and not model._meta.proxy:
            found.append((model._meta.db_table, model._meta.pk.column, columns))
    return found


def keys_rotate(*, batch: int = 2000) -> RotationResult:
    newest = f"{crypto.PREFIX}:{crypto.encrypt('').split(':')[1]}:"
    quote = connection.ops.quote_name
    done = 0
    tables = encrypted_columns()
    for table, pk, columns in tables:
        names = ", ".join(quote(column) for column in columns)
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                after = "" if last is None else f"WHERE {quote(pk)} > %s "
                cursor.execute(
                    f"SELECT {quote(pk)}, {names} FROM {quote(table)} "  # noqa: S608
                    f"{after}ORDER BY {quote(pk)} LIMIT %s",
                    ([] if last is None else [last]) + [batch],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                for column_index, column in enumerate(columns, start=1):
                    changed = [
                        (crypto.reencrypt(row[column_index]), row[0])
                        for row in rows
                        if row[column_index] and not row[column_index].startswith(newest)
                    ]
                    if changed:
                        cursor.executemany(
                            f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608
                            f"WHERE {quote(pk)} = %s",
                            changed,
                        )
                        done += len(changed)
    return RotationResult(values=done, tables=len(tables))
