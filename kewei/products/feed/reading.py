"""Reading and checking the daily feed's files, column-wise (Apache Arrow).

The manifest is verified (every file present, its SHA-256 and row count as stated)
before anything is read further, so a day whose files do not match is refused before a
single row is written. Each file is then checked as whole columns: formats, required
values, lengths, allowed codes and duplicate keys are vector expressions over the table,
and a rejected row gets the first reason that applies to it. What needs the database
(unknown customer, product, account) is checked in SQL by the loader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.utils.translation import gettext as _

from kewei.products.feed import format as spec


class FeedError(Exception):
    """The day cannot be loaded at all (manifest, missing file, header): nothing is written."""


@dataclass(frozen=True)
class Reject:
    file: str
    row: int
    column: str
    reason: str


@dataclass
class Checked:
    """A file's rows that passed the column checks (typed), and those that did not."""

    good: pa.Table
    rejects: list[Reject] = field(default_factory=list)
    # The key (account number ...) of each rejected row that has a readable one.
    rejected_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    day: dt.date
    encoding: str
    rows: dict[str, int]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_sha256(directory: Path) -> str:
    return _sha256(Path(directory) / spec.MANIFEST)


def read_manifest(directory: Path, day: dt.date) -> Manifest:
    """The day's manifest, with every file's checksum verified (row counts are verified
    when the files are read, by :func:`read_day`)."""
    directory = Path(directory)
    path = directory / spec.MANIFEST
    if not path.is_file():
        raise FeedError(_("缺少清单文件 %(name)s") % {"name": spec.MANIFEST})
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FeedError(_("清单文件无法解析：%(error)s") % {"error": error}) from None
    if not isinstance(manifest, dict) or manifest.get("format") != spec.FORMAT:
        raise FeedError(_("清单格式应为 %(format)s") % {"format": spec.FORMAT})
    if manifest.get("date") != day.isoformat():
        raise FeedError(
            _("清单日期 %(found)s 与装载日期 %(day)s 不符")
            % {"found": manifest.get("date"), "day": day.isoformat()}
        )
    encoding = str(manifest.get("encoding", "utf-8")).lower()
    if encoding not in spec.ENCODINGS:
        raise FeedError(_("不支持的编码 %(encoding)s") % {"encoding": encoding})
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(spec.FILES):
        raise FeedError(_("清单应列出且仅列出文件：%(files)s") % {"files": ", ".join(spec.FILES)})
    rows = {}
    for name in spec.FILES:
        entry = files[name]
        file_path = directory / name
        if not file_path.is_file():
            raise FeedError(_("缺少文件 %(name)s") % {"name": name})
        if not isinstance(entry, dict) or not isinstance(entry.get("rows"), int):
            raise FeedError(_("清单中 %(name)s 缺少行数") % {"name": name})
        if _sha256(file_path) != str(entry.get("sha256", "")).lower():
            raise FeedError(_("文件 %(name)s 的校验和与清单不符") % {"name": name})
        rows[name] = entry["rows"]
    return Manifest(day=day, encoding=encoding, rows=rows)


def read_csv(path: Path, encoding: str) -> pa.Table:
    """Every column as text, empty cells as empty strings."""
    codec = spec.ENCODINGS[encoding]
    try:
        # The header alone (the reader's first block), to read every column as text.
        with pacsv.open_csv(path, read_options=pacsv.ReadOptions(encoding=codec)) as reader:
            names = reader.schema.names
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=codec, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as error:
        raise FeedError(
            _("文件 %(name)s 无法读取：%(error)s") % {"name": path.name, "error": error}
        ) from None


def _strip_bom(table: pa.Table) -> pa.Table:
    names = [name.lstrip("\ufeff").strip() for name in table.column_names]
    return table.rename_columns(names)


def read_file(directory: Path, manifest: Manifest, name: str) -> pa.Table:
    table = _strip_bom(read_csv(Path(directory) / name, manifest.encoding))
    if table.num_rows != manifest.rows[name]:
        raise FeedError(
            _("文件 %(name)s 有 %(found)d 行数据，清单为 %(stated)d 行")
            % {"name": name, "found": table.num_rows, "stated": manifest.rows[name]}
        )
    if name in spec.COLUMNS:
        missing = [
            column.name for column in spec.COLUMNS[name] if column.name not in table.column_names
        ]
        if missing:
            raise FeedError(
                _("文件 %(name)s 缺少列：%(columns)s")
                % {"name": name, "columns": ", ".join(missing)}
            )
    return table


def _parse_dates(values: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(ISO date strings or null, valid mask). A date must be real: Arrow's parser
    rolls 2026-02-30 over to March, so the parsed value is formatted back and compared.
    A file repeats few distinct dates: each is parsed once and the result spread back."""
    distinct = pc.unique(values)
    normalised = []
    valid = None
    for pattern in ("%Y-%m-%d", "%Y%m%d"):
        parsed = pc.strptime(distinct, format=pattern, unit="s", error_is_null=True)
        round_trip = pc.equal(pc.strftime(parsed, format=pattern), distinct)
        ok = pc.fill_null(round_trip, False)
        normalised.append(pc.if_else(ok, pc.strftime(parsed, format="%Y-%m-%d"), None))
        valid = ok if valid is None else pc.or_(valid, ok)
    positions = pc.index_in(values, value_set=distinct)
    return pc.take(pc.coalesce(*normalised), positions), pc.take(valid, positions)


def _fen(values: pa.Array, ok: pa.Array) -> pa.Array:
    safe = pc.if_else(ok, values, "0")
    amounts = pc.cast(safe, pa.decimal128(16, 2))
    return pc.cast(pc.multiply(amounts, pa.scalar(100, pa.int64())), pa.int64())


class _Checker:
    def __init__(self, name: str, table: pa.Table) -> None:
        self.name = name
        self.rows = pa.array(range(2, table.num_rows + 2), pa.int64())
        self.bad = pc.equal(self.rows, 0)  # all false
        self.rejects: list[Reject] = []

    def fail(self, mask: pa.Array, column: str, reason: str) -> None:
        mask = pc.fill_null(mask, False)
        new = pc.and_(mask, pc.invert(self.bad))
        self.bad = pc.or_(self.bad, mask)
        for row in pc.filter(self.rows, new).to_pylist():
            self.rejects.append(Reject(self.name, row, column, reason))


def check(name: str, table: pa.Table, day: dt.date) -> Checked:
    """Check one file's columns; returns the good rows typed, with a ``row`` column."""
    checker = _Checker(name, table)
    typed: dict[str, pa.Array] = {"row": checker.rows}
    for column in spec.COLUMNS[name]:
        values = pc.utf8_trim_whitespace(table.column(column.name).combine_chunks())
        empty = pc.equal(values, "")
        if column.required:
            checker.fail(empty, column.name, _("不能为空"))
        present = pc.invert(empty)
        if column.kind == "text":
            too_long = pc.greater(pc.utf8_length(values), column.max_length)
            checker.fail(too_long, column.name, _("超过 %(n)d 个字符") % {"n": column.max_length})
            typed[column.name] = values
        elif column.kind == "date":
            dates, ok = _parse_dates(values)
            checker.fail(
                pc.and_(present, pc.invert(ok)),
                column.name,
                _("日期格式错误（应为 YYYY-MM-DD，且须为真实日期）"),
            )
            later = pc.greater(dates, day.isoformat())
            if column.name in ("booked_on", "occurred_on", "opened_on"):
                checker.fail(later, column.name, _("日期晚于数据日期"))
            typed[column.name] = dates
        elif column.kind in ("amount", "positive_amount"):
            ok = pc.match_substring_regex(values, spec.AMOUNT_PATTERN)
            checker.fail(
                pc.and_(present, pc.invert(ok)),
                column.name,
                _("金额格式错误（应为不超过两位小数的非负数，不含千分位）"),
            )
            fen = _fen(values, ok)
            if column.kind == "positive_amount":
                checker.fail(pc.and_(ok, pc.equal(fen, 0)), column.name, _("金额必须大于零"))
            typed[column.name] = pc.if_else(present, fen, None)
        elif column.kind == "choice":
            if column.default:
                values = pc.if_else(empty, column.default, values)
                present = pc.not_equal(values, "")
            allowed = pc.is_in(values, value_set=pa.array(column.choices))
            checker.fail(
                pc.and_(present, pc.invert(allowed)),
                column.name,
                _("取值无效，应为：%(choices)s") % {"choices": ", ".join(column.choices)},
            )
            typed[column.name] = values
    key = spec.KEYS[name]
    # (``unique`` rather than ``count_distinct``: the same answer, four times faster.)
    if len(pc.unique(typed[key])) < table.num_rows:
        # Some key repeats: every occurrence after the first is rejected.
        keyed = pa.table({"row": checker.rows, "key": typed[key]})
        first = keyed.group_by("key").aggregate([("row", "min")])
        joined = keyed.join(first, "key").sort_by("row")
        checker.fail(
            pc.not_equal(joined.column("row"), joined.column("row_min")).combine_chunks(),
            key,
            _("与前面的行重复"),
        )
    good = pa.table(typed).filter(pc.invert(checker.bad))
    bad_keys = pc.filter(typed[key], checker.bad)
    rejected_keys = [k for k in bad_keys.to_pylist() if k]
    return Checked(good=good, rejects=checker.rejects, rejected_keys=rejected_keys)
