"""Writing a day of the daily feed: the demo seeder's history, the sample files and the
tests all produce their data through the same format the core system sends."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kewei.products.feed import format as spec


def _header(name: str) -> tuple[str, ...]:
    if name == spec.CUSTOMERS:
        return spec.CUSTOMER_FILE_COLUMNS
    return tuple(column.name for column in spec.COLUMNS[name])


def yuan_text(fen: pa.Array) -> pa.Array:
    """Amounts in 分 as the feed writes them: ``123456`` → ``"1234.56"``."""
    return pc.multiply(
        pa.array(fen, pa.int64()).cast(pa.decimal128(19, 0)),
        pa.scalar(Decimal("0.01"), pa.decimal128(3, 2)),
    ).cast(pa.string())


def holdings_table(
    *, account_number, customer_number, product_code, opened_on, matures_on, balance
) -> pa.Table:
    """A holdings file of open holdings, column-wise: dates as ``date`` values (or ISO
    text), ``matures_on`` empty where there is none, balances in 分."""

    def dates(values) -> pa.Array:
        array = values if isinstance(values, pa.Array) else pa.array(values, pa.date32())
        return array.cast(pa.string()) if array.type == pa.date32() else array

    accounts = pa.array(account_number, pa.string())
    return pa.table(
        {
            "account_number": accounts,
            "customer_number": pa.array(customer_number, pa.string()),
            "product_code": pa.array(product_code, pa.string()),
            "opened_on": dates(opened_on),
            "matures_on": pc.fill_null(dates(matures_on), ""),
            "status": pa.array(["open"] * len(accounts), pa.string()),
            "balance": yuan_text(balance),
        }
    )


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
