"""Writing a day of the daily feed: the demo seeder's history, the sample files and the
tests all produce their data through the same format the core system sends."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from kewei.products.feed import format as spec

CUSTOMER_COLUMNS = (
    "customer_number",
    "name",
    "gender",
    "id_type",
    "id_number",
    "birthday",
    "mobile",
    "address",
    "department",
)


def _header(name: str) -> tuple[str, ...]:
    if name == spec.CUSTOMERS:
        return CUSTOMER_COLUMNS
    return tuple(column.name for column in spec.COLUMNS[name])


def write_day(
    directory: Path,
    day: dt.date,
    *,
    customers: Iterable[Sequence] | pa.Table = (),
    holdings: Iterable[Sequence] | pa.Table = (),
    transactions: Iterable[Sequence] | pa.Table = (),
    events: Iterable[Sequence] | pa.Table = (),
    encoding: str = "utf-8",
) -> Path:
    """Write the four files and the manifest. A file's rows are tuples in the columns'
    order, or an Arrow table with exactly those columns."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    contents = {
        spec.CUSTOMERS: customers,
        spec.HOLDINGS: holdings,
        spec.TRANSACTIONS: transactions,
        spec.EVENTS: events,
    }
    for name, rows in contents.items():
        if isinstance(rows, pa.Table):
            # Column-wise (the demo seeder's history): Arrow writes it without a row loop.
            assert tuple(rows.column_names) == _header(name), rows.column_names
            if encoding.startswith("utf-8"):
                pacsv.write_csv(rows, directory / name)
                counts[name] = rows.num_rows
                continue
            rows = zip(*(column.to_pylist() for column in rows.columns), strict=True)
        with (directory / name).open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(_header(name))
            count = 0
            for row in rows:
                writer.writerow(row)
                count += 1
        counts[name] = count
    write_manifest(directory, day, counts, encoding=encoding)
    return directory


def write_manifest(
    directory: Path, day: dt.date, counts: dict[str, int], *, encoding: str = "utf-8"
) -> None:
    files = {}
    for name in spec.FILES:
        digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        files[name] = {"rows": counts[name], "sha256": digest}
    manifest = {
        "format": spec.FORMAT,
        "date": day.isoformat(),
        "encoding": encoding,
        "files": files,
    }
    (directory / spec.MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
