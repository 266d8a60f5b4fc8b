"""Bulk import of customers from CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX.

Rows are matched to existing customers by ID type and number (through the blind index):
a new identity is imported, a known one with different data is updated, a known one
with the same data is unchanged. Every row is validated; a row with any error is not
written at all and is listed with its row number, column and reason. Valid rows are
written in one transaction, in chunks of set-based inserts and updates: a crash leaves
nothing half-written, and importing the same file again changes nothing.

The import in three modules, whose public names are re-exported here: ``reading`` (the
file: encoding, header, batches), ``rows`` (each row validated and prepared, with no
database access) and ``writing`` (the importer, which writes prepared batches, and the
report of rejected rows). :func:`import_customers` runs them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from django.conf import settings
from django.db import transaction

from kewei.audit.services import audit_record
from kewei.core.bulk import batch_page_cache, collector_paused
from kewei.core.progress import Progress, SilentProgress
from kewei.customers.actions import CustomersAction
from kewei.customers.importing.reading import (
    CHUNK,
    HEADER_ALIASES,
    REQUIRED_COLUMNS,
    Batch,
    ImportFileError,
    Table,
    check_xlsx,
    csv_rows,
    file_sha256,
    read_table,
)
from kewei.customers.importing.rows import Chunk, Prepared, RowError, Rows
from kewei.customers.importing.writing import (
    CHANGES_TABLE,
    Change,
    Importer,
    ImportResult,
    write_report,
)

# The name the tests knew the importer by.
_Importer = Importer


def import_customers(
    path: Path,
    *,
    actor=None,
    dry_run: bool = False,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ImportResult:
    """Import a file; raises :class:`ImportFileError` when the file itself is unusable.

    A file of more than one chunk is prepared by ``workers`` processes
    (``KEWEI_IMPORT_WORKERS`` unless given) while this process writes."""
    progress = progress or SilentProgress()
    path = Path(path)
    table = read_table(path, CHUNK)  # the batch size as this package has it when called
    if workers is None:
        workers = settings.KEWEI_IMPORT_WORKERS
    if not hasattr(os, "fork") or threading.active_count() > 1:
        # Rows are prepared in-process where forking is unsafe or impossible: a process
        # running other threads (the daily feed checks its files meanwhile; a lock held
        # by another thread stays held in the children), and Windows.
        workers = 0
    importer = Importer(actor=actor, dry_run=dry_run, progress=progress)
    with collector_paused(), batch_page_cache(), transaction.atomic():
        result = importer.run(table, workers=workers)
        if not dry_run:
            audit_record(
                actor=actor,
                action=CustomersAction.IMPORT,
                after={
                    "file": path.name,
                    "sha256": file_sha256(path),
                    "imported": result.imported,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": result.rejected,
                },
            )
    result.errors.sort(key=lambda e: e.row)
    progress.finish(result.summary_zh)
    return result


__all__ = [
    "CHANGES_TABLE",
    "CHUNK",
    "HEADER_ALIASES",
    "REQUIRED_COLUMNS",
    "Batch",
    "Change",
    "Chunk",
    "ImportFileError",
    "ImportResult",
    "Importer",
    "Prepared",
    "RowError",
    "Rows",
    "Table",
    "check_xlsx",
    "csv_rows",
    "file_sha256",
    "import_customers",
    "read_table",
    "write_report",
]
