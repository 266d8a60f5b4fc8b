"""Bulk import of customers from CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX.

Rows are matched to existing customers by ID type and number (through the blind index):
a new identity is imported, a known one with different data is updated, a known one
with the same data is unchanged. Every row is validated; a row with any error is not
written at all and is listed with its row number, column and reason. Valid rows are
written in one transaction, in chunks of set-based inserts and updates: a crash leaves
nothing half-written, and importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import threading
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record, audit_records, diff, snapshot_values
from kewei.core.bulk import (
    batch_page_cache,
    collector_paused,
    db_value,
    insert_rows,
    values_in,
)
from kewei.core.forked import forked_map
from kewei.core.progress import Progress, SilentProgress
from kewei.core.scope import current_scope
from kewei.customers.identity import load_pinyin
from kewei.customers.models import Customer, InformationSource
from kewei.customers.selectors import assignable_managers, customer_departments
from kewei.customers.services import (
    COMPARED_COLUMNS,
    CUSTOMER_FIELDS,
    INSERT_COLUMNS,
    comparable_row,
    created_changes_text,
    customer_number_block,
    insert_customers,
    insert_row,
    numbered_changes_text,
    open_assignments,
    open_empty_assets,
    personal_values,
    reassign,
)
from kewei.customers.services import identity_index as make_identity_index
from kewei.customers.validation import FIELD_LABELS, CustomerData, clean_customer
from kewei.organisation.models import Department, Staff

CHUNK = 2000

# Header names a bank's files use, Chinese and English, for each field.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_number": ("客户号", "客户编号", "customer_number", "customer no", "customer_no"),
    "name": ("姓名", "客户姓名", "客户名称", "name", "customer name", "full name"),
    "gender": ("性别", "gender", "sex"),
    "id_type": ("证件类型", "id type", "id_type", "document type"),
    "id_number": (
        "证件号码",
        "证件号",
        "身份证号",
        "身份证号码",
        "id number",
        "id_number",
        "id no",
    ),
    "birthday": ("出生日期", "生日", "birthday", "date of birth", "birth date"),
    "mobile": ("手机号码", "手机号", "手机", "移动电话", "mobile", "mobile phone", "phone"),
    "address": ("联系地址", "地址", "住址", "address"),
    "email": ("电子邮箱", "邮箱", "电子邮件", "email", "e-mail"),
    "department": (
        "归属网点",
        "开户网点",
        "网点代码",
        "机构代码",
        "department",
        "outlet",
        "branch code",
        "department code",
    ),
    "responsible_manager": (
        "客户经理",
        "客户经理工号",
        "manager",
        "customer manager",
        "responsible manager",
    ),
    "vip_flag": ("贵宾", "是否贵宾", "vip"),
    "source": ("信息来源", "来源", "source"),
}
_LOOKUP = {
    re.sub(r"[\s_\-（）()]+", "", alias).lower(): name
    for name, aliases in HEADER_ALIASES.items()
    for alias in aliases
}
REQUIRED_COLUMNS = ("name", "id_number", "mobile", "address", "department")


class ImportFileError(Exception):
    """The file itself is unusable (format, encoding, header): nothing is imported."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    workers: int = 0  # the processes that prepared the rows (0: this one)

    @property
    def summary(self) -> str:
        return (
            f"imported {self.imported}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )

    @property
    def summary_zh(self) -> str:
        return _("新增 %(i)d，更新 %(u)d，未变 %(n)d，拒绝 %(r)d") % {
            "i": self.imported,
            "u": self.updated,
            "n": self.unchanged,
            "r": self.rejected,
        }


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")  # a superset of GBK and GB2312
    except UnicodeDecodeError as error:
        raise ImportFileError(_("无法识别文件编码（支持 UTF-8 与 GBK/GB18030）")) from error


# A batch of rows to prepare: the line number of its first row (the header is line 1),
# and its rows; or, from a CSV file of one row a line, their text, which the process
# that prepares them parses (reading rows cost the writing process a tenth of its time).
Batch = tuple[int, "list[list[Any]] | str"]


@dataclass
class Table:
    """A file's rows after its header row, in batches."""

    columns: dict[int, str]  # column → field
    total: int  # rows after the header, blank ones included
    batches: Iterator[Batch]
    dialect: type[csv.Dialect] | None = None  # how the text of a batch is parsed
    nul: bool = False  # some cell may hold a NUL character: rows are checked for it


def _csv_rows(text: str, dialect, first: int) -> Iterator[list[str]]:
    """The CSV records of ``text``, the first one numbered ``first``; a record the csv
    module cannot read (a field over its size limit) makes the file unusable."""
    number = first
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            yield row
            number += 1
    except csv.Error as error:
        message = _("第 %(row)d 行无法读取：%(error)s") % {"row": number, "error": error}
        raise ImportFileError(message) from error


def _batch_sizes(size: int) -> Iterator[int]:
    """An eighth of ``size``, a quarter, a half, then ``size`` on: the writing process
    starts on a small first batch rather than wait for a whole one to be prepared."""
    yield from (max(1, size // 8), max(1, size // 4), max(1, size // 2))
    yield from repeat(size)


def _row_batches(rows: Iterator[list[Any]], size: int) -> Iterator[Batch]:
    number = 2
    for count in _batch_sizes(size):
        batch = list(islice(rows, count))
        if not batch:
            return
        yield number, batch
        number += len(batch)


def _line_batches(body: str, size: int) -> Iterator[Batch]:
    """The text of the lines of each batch (a row a line, the first on line 2)."""
    start, number, length = 0, 2, len(body)
    for count in _batch_sizes(size):
        if start >= length:
            return
        end = start
        for _line in range(count):
            end = body.find("\n", end) + 1
            if not end:
                end = length
                break
        yield number, body[start:end]
        start, number = end, number + count


def _one_row_a_line(text: str, dialect) -> bool:
    """Whether every line of ``text`` is one CSV record: no quoted fields (which may
    hold line breaks), no escapes, lines ended by LF or CRLF (never a lone CR)."""
    return all(
        not char or char not in text for char in (dialect.quotechar, dialect.escapechar)
    ) and text.count("\r") == text.count("\r\n")


def _csv_table(raw: bytes, size: int) -> tuple[list[Any] | None, Table]:
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    if _one_row_a_line(text, dialect):
        end = text.find("\n") + 1 or len(text)
        header = next(_csv_rows(text[:end], dialect, 1), None)
        body = text[end:]
        total = body.count("\n") + (bool(body) and not body.endswith("\n"))
        return header, Table({}, total, _line_batches(body, size), dialect, "\x00" in body)
    rows = _csv_rows(text, dialect, 1)
    header = next(rows, None)
    total = sum(1 for _row in _csv_rows(text, dialect, 1)) - 1  # parsed twice: rare
    return header, Table({}, total, _row_batches(rows, size), dialect, "\x00" in text)


def check_xlsx(source: Path | IO[bytes]) -> None:
    """Raise ImportFileError when the XLSX archive ``source`` (a path or an upload) is too
    large to read safely (``KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES``, ``..._MAX_CELLS``):
    checked before the reader loads it, and when a page takes the upload."""
    from kewei.core.xlsx import WorkbookRefused, check_workbook  # openpyxl: when needed

    try:
        check_workbook(
            source,
            max_inflated=settings.KEWEI_IMPORT_XLSX_MAX_INFLATED_BYTES,
            max_cells=settings.KEWEI_IMPORT_XLSX_MAX_CELLS,
        )
    except WorkbookRefused as error:
        raise ImportFileError(str(error)) from error


def _xlsx_table(path: Path, size: int) -> tuple[list[Any] | None, Table]:
    """The first sheet's rows (calamine, ten times faster than openpyxl), numbered as
    Excel numbers them."""
    from python_calamine import CalamineWorkbook

    check_xlsx(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as error:  # calamine's errors: not a workbook, damaged, encrypted
        raise ImportFileError(_("XLSX 文件无法读取：%(error)s") % {"error": error}) from error
    rows = sheet.iter_rows()  # from the first row, up to the last one used
    header = next(rows, None)
    total = sheet.end[0] if sheet.end else 0  # the last used row's index from 0
    return header, Table({}, total, _row_batches(rows, size))


def read_table(path: Path, size: int | None = None) -> Table:
    """The file's header, mapped to fields, and its rows in batches of ``size`` (CHUNK).
    Raises ImportFileError."""
    path, size = Path(path), size or CHUNK
    if not path.is_file():
        raise ImportFileError(_("文件不存在：%(path)s") % {"path": path})
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        header, table = _xlsx_table(path, size)
    elif path.suffix.lower() in {".xls", ".xlsx", ".xlsm"}:
        raise ImportFileError(_("不支持的文件格式：请使用 CSV 或 XLSX（不支持旧版 XLS）"))
    else:
        raw = path.read_bytes()
        if b"\x00" in raw[:4096]:
            raise ImportFileError(_("不支持的文件格式：请使用 CSV 或 XLSX"))
        header, table = _csv_table(raw, size)
    if header is None:
        raise ImportFileError(_("文件为空"))
    first: dict[str, int] = {}  # field → the column that gives it
    for index, title in enumerate(header):
        key = re.sub(r"[\s_\-（）()*]+", "", str(title or "")).lower()
        name = _LOOKUP.get(key)
        if name is None:
            continue
        if name in first:
            # Two columns of one field (two 手机号码, or 手机号码 and 手机): which one
            # holds the customer's data is not for the import to guess.
            message = _(
                "表头重复：第 %(column)d 列“%(title)s”与第 %(first)d 列“%(first_title)s”"
                "同为“%(field)s”"
            ) % {
                "column": index + 1,
                "title": str(title).strip(),
                "first": first[name] + 1,
                "first_title": str(header[first[name]]).strip(),
                "field": FIELD_LABELS[name],
            }
            raise ImportFileError(message)
        first[name] = index
        table.columns[index] = name
    missing = [f for f in REQUIRED_COLUMNS if f not in table.columns.values()]
    if len(table.columns) < 2 or missing:
        labels = "、".join(str(FIELD_LABELS[f]) for f in missing) or _("全部")
        raise ImportFileError(_("无法识别表头：缺少列 %(columns)s") % {"columns": labels})
    return table


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _nul_cells(row: list[Any], columns: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """The imported cells of ``row`` that hold a NUL character: bad input, which no
    text column takes (PostgreSQL refuses it). Only the first 4 KB of a file are looked
    at for binary content, and the csv module reads NUL as text."""
    width = len(row)
    return [
        (name, _("不能包含空字符（NUL）。"))
        for i, name in columns
        if i < width and isinstance(row[i], str) and "\x00" in row[i]
    ]


def _blank(row: list[Any]) -> bool:
    """A row with nothing in it (counted in C: a generator over the cells cost a
    microsecond a row)."""
    return row.count("") + row.count(None) == len(row)


class Prepared(NamedTuple):
    """One valid row, checked and turned into what the database needs by
    ``_Importer.prepare``, which does no database access. Plain values only: prepared
    rows come back from the worker processes, and model instances would cost more to
    carry than to prepare."""

    row: int
    number: str  # the customer number the file gives, or ""
    name: str
    manager_id: int | None
    insert: tuple  # INSERT_COLUMNS in database form, with the customer number still open
    changes: tuple[str, str]  # the creation's audit diff as JSON, around the number
    # The fields ``insert`` holds encrypted, in clear (services.personal_values): what a
    # known customer is compared with. The comparable tuple itself is built only for
    # known customers: carried for every row, it cost more than the rest of the row.
    personal: tuple

    @property
    def key(self) -> tuple[str, str]:
        """The identity the row is matched by: ID type and blind index."""
        return self.insert[_ID_TYPE], self.insert[_ID_INDEX]

    def __reduce__(self):
        # Pickled as the tuple it is: a worker's rows are rebuilt without calling the
        # class's own ``__new__`` for each, which took a third of the cost of sending them.
        return tuple.__new__, (Prepared, tuple(self))


_ID_TYPE, _ID_INDEX = INSERT_COLUMNS.index("id_type"), INSERT_COLUMNS.index("id_number_index")


class Chunk(NamedTuple):
    """A prepared batch."""

    valid: list[Prepared]
    rejected: list[tuple[int, list[tuple[str, str]]]]  # (row, [(field, reason)])
    rows: int  # the rows read, blank ones included


class Change(NamedTuple):
    """A known customer whose row in the file changes it."""

    pk: int
    item: Prepared
    before: tuple  # COMPARED_COLUMNS as stored, in clear
    after: tuple  # COMPARED_COLUMNS once changed


# What an import may change of a known customer (not its number, tier, status or
# creation), taken from its prepared row.
UPDATED_COLUMNS = tuple(
    c for c in INSERT_COLUMNS if c not in ("customer_number", "tier", "status", "created_at")
)
_updated_values = itemgetter(*(INSERT_COLUMNS.index(c) for c in UPDATED_COLUMNS))
_MANAGER = COMPARED_COLUMNS.index("responsible_manager_id")
_VIP = COMPARED_COLUMNS.index("vip_flag")
CHANGES_TABLE = "kewei_import_changes"
# Fields a file may leave out: a known customer then keeps what it has.
OPTIONAL_FIELDS = ("email", "responsible_manager", "vip_flag", "source")


def _changes_sql(statement: str, assigned: tuple[str, ...] = ()) -> None:
    """A statement on the temporary table of changed customers ({changes}), the customer
    table ({customer}), the table's {columns} and the {assignments} of ``assigned`` from
    the changes (aliased ``c``)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            statement.format(
                changes=quote(CHANGES_TABLE),
                customer=quote(Customer._meta.db_table),
                columns=", ".join(quote(column) for column in UPDATED_COLUMNS),
                assignments=", ".join(f"{quote(c)} = c.{quote(c)}" for c in assigned),
            )
        )


def _changes_text(before: tuple, after: tuple) -> str:
    """The audit diff of a changed customer, given its COMPARED_COLUMNS before and after,
    as the JSON text the trail stores: ``diff`` of the two snapshots, each taken of the
    changed fields only (a whole snapshot cost an update four times as much)."""
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]

    def snapshot(values: tuple) -> dict:
        return snapshot_values(Customer, {CUSTOMER_FIELDS[i]: values[i] for i in changed})

    return json.dumps(diff(snapshot(before), snapshot(after)))


class _Importer:
    def __init__(self, *, actor, dry_run: bool, progress: Progress) -> None:
        self.actor = actor
        self.dry_run = dry_run
        self.progress = progress
        self.result = ImportResult(dry_run=dry_run)
        self.scope = current_scope()
        self.departments = {
            d.code: d for d in Department.objects.unrestricted().filter(is_active=True)
        }
        self.managers: dict[str, Staff] = {}
        for staff in Staff.objects.unrestricted().filter(is_active=True):
            self.managers[staff.employee_number] = staff
            self.managers[staff.username] = staff
        # The outlets and managers the importer may give customers to, as on the form:
        # resolved once for the whole file (the import writes rows in bulk, not through
        # the services, so this set is its enforcement of the rule).
        self.reachable = set(customer_departments().values_list("pk", flat=True))
        self.assignable = set(assignable_managers().values_list("pk", flat=True))
        self.seen: dict[tuple[str, str], int] = {}
        self.changes_table = False  # the temporary table of changed customers exists
        self.numbers_seen: set[str] = set()
        self.now = timezone.now()
        self.stamp = db_value(Customer, "created_at", self.now)  # the database's form
        # Looked up once: the time zone lookup per row cost 7 % of an import.
        self.today = timezone.localdate(self.now)

    def reject(self, row: int, problems: list[tuple[str, str]]) -> None:
        """One rejected row, with every problem found in it as (field, reason)."""
        self.result.rejected += 1
        for field_name, reason in problems:
            label = str(FIELD_LABELS.get(field_name, field_name))
            self.result.errors.append(RowError(row=row, column=label, reason=reason))

    def prepare(self, batch: Batch) -> Chunk:
        """Validate and prepare rows: checksums, encryption, blind indexes, pinyin and
        audit diffs, with no database access."""
        valid: list[Prepared] = []
        rejected: list[tuple[int, list[tuple[str, str]]]] = []
        columns = list(self.columns.items())
        first, rows = batch
        if isinstance(rows, str):
            rows = list(_csv_rows(rows, self.dialect, first))
        for number, row in enumerate(rows, first):
            if _blank(row):
                continue  # a blank line
            if self.nul and (problems := _nul_cells(row, columns)):
                rejected.append((number, problems))
                continue
            width = len(row)
            raw = {name: row[i] if i < width else None for i, name in columns}
            data, errors = clean_customer(
                raw, departments=self.departments, managers=self.managers, today=self.today
            )
            problems = [(e.field, e.message) for e in errors] or self.out_of_reach(data)
            if problems:
                rejected.append((number, problems))
                continue
            if self.default_source:
                data.source = self.default_source
            index = make_identity_index(data.id_type, data.id_number)
            manager_id = data.responsible_manager.pk if data.responsible_manager else None
            valid.append(
                Prepared(
                    row=number,
                    number=data.customer_number,
                    name=data.name,
                    manager_id=manager_id,
                    insert=insert_row(
                        data, number="", manager_id=manager_id, now=self.stamp, index=index
                    ),
                    changes=created_changes_text(data, manager_id=manager_id),
                    personal=personal_values(data),
                )
            )
        return Chunk(valid, rejected, len(rows))

    def out_of_reach(self, data: CustomerData) -> list[tuple[str, str]]:
        """A customer goes only to the outlets and managers the importer looks after."""
        problems = []
        if data.department.pk not in self.reachable:
            message = _("机构“%(department)s”不在您负责的范围内") % {"department": data.department}
            problems.append(("department", message))
        manager = data.responsible_manager
        if manager is not None and manager.pk not in self.assignable:
            message = _(
                "%(staff)s 不能接收客户：须为您负责机构的客户经理、客户经理主管或网点负责人"
            ) % {"staff": manager}
            problems.append(("responsible_manager", message))
        return problems

    def run(self, table: Table, *, workers: int) -> ImportResult:
        """Import the table's rows: prepared by ``workers`` processes (none: in this
        one), unless the file has no more than a chunk's rows to prepare ahead."""
        self.start(table)
        self.progress.start(table.total, _("导入客户"))
        self.result.workers = workers if table.total > CHUNK else 0
        # Closed at once when writing fails: the workers stop before the rollback.
        with closing(self.prepared_chunks(table.batches, self.result.workers)) as chunks:
            for chunk in chunks:
                self.write_chunk(chunk)
        self.finish()
        return self.result

    def start(self, table: Table) -> None:
        """What the file's columns decide for every row."""
        columns = self.columns = table.columns
        self.dialect, self.nul = table.dialect, table.nul
        # Without a source column, rows are recorded as coming from a bulk import.
        self.default_source = "" if "source" in columns.values() else InformationSource.IMPORT
        # A column the file leaves out is not changed on known customers.
        present = set(columns.values())
        kept = [Customer._meta.get_field(f).attname for f in OPTIONAL_FIELDS if f not in present]
        self.kept_at = [COMPARED_COLUMNS.index(attname) for attname in kept]
        self.assigned = tuple(column for column in UPDATED_COLUMNS if column not in kept)

    def prepared_chunks(self, batches: Iterator[Batch], workers: int) -> Iterator[Chunk]:
        """Each batch prepared, in file order. With workers, batches are prepared in
        forked processes while this one writes the chunks before them: preparing (the
        checksums, the encryption, the blind indexes, pinyin and the audit diffs) is
        half the work of an import, and needs no database."""
        if workers < 1:
            yield from map(self.prepare, batches)
            return
        load_pinyin()
        # Forked, the workers start with everything the importer has loaded (the
        # departments, the staff); they never touch the database connection they inherit.
        language = translation.get_language()

        def setup() -> None:
            translation.activate(language)  # the reasons of rejected rows
            os.nice(10)  # preparing gives way to the writing process and to pages served

        yield from forked_map(self.prepare, batches, workers=workers, setup=setup)

    def write_chunk(self, chunk: Chunk) -> None:
        valid, rejected, rows = chunk
        for number, problems in rejected:
            self.reject(number, problems)
        keyed: list[Prepared] = []
        for item in valid:
            first = self.seen.setdefault(item.key, item.row)
            if first != item.row:
                message = _("与第 %(row)d 行的证件号码重复") % {"row": first}
                self.reject(item.row, [("id_number", message)])
                continue
            keyed.append(item)
        existing = {
            (id_type, index): pk
            for id_type, index, pk in values_in(
                Customer,
                ["id_type", "id_number_index", "id"],
                "id_number_index",
                [item.insert[_ID_INDEX] for item in keyed],
            )
        }
        creates: list[Prepared] = []
        matched: list[tuple[Prepared, int]] = []
        for item in keyed:
            pk = existing.get(item.key)
            if pk is None:
                creates.append(item)
            else:
                matched.append((item, pk))
        changes = self.compare(matched)
        creates = self.refuse_taken_numbers(creates)
        self.result.imported += len(creates)
        self.result.updated += len(changes)
        self.progress.advance(rows)
        if not self.dry_run:
            self.insert(creates)
            self.update(changes)

    def compare(self, matched: list[tuple[Prepared, int]]) -> list[Change]:
        """The rows of known customers: the ones whose data differs become changes; the
        others are unchanged. A customer out of the user's scope is refused. Customers
        are compared by their stored values, never loaded as instances."""
        if not matched:
            return []
        stored = {
            pk: tuple(values)
            for pk, *values in Customer.objects.unrestricted()
            .filter(pk__in=[pk for _item, pk in matched])
            .values_list("pk", *COMPARED_COLUMNS)
        }
        visible = None
        if self.scope is not None:
            visible = set(
                Customer.objects.unrestricted()
                .restrict(self.scope)
                .filter(pk__in=list(stored))
                .values_list("pk", flat=True)
            )
        changes: list[Change] = []
        for item, pk in matched:
            current = stored[pk]
            number, status = current[0], current[-1]
            if visible is not None and pk not in visible:
                message = _("该客户（%(number)s）不在您的数据权限范围内") % {"number": number}
                self.reject(item.row, [("id_number", message)])
                continue
            after = list(
                comparable_row(item.insert, item.personal, customer_number=number, status=status)
            )
            for i in self.kept_at:
                after[i] = current[i]
            after = tuple(after)
            if after[_VIP] and after[_MANAGER] is None:
                message = _("贵宾客户必须指定客户经理（人户合一）")
                self.reject(item.row, [("responsible_manager", message)])
                continue
            if after == current:
                self.result.unchanged += 1
            else:
                changes.append(Change(pk, item, current, after))
        return changes

    def refuse_taken_numbers(self, creates: list[Prepared]) -> list[Prepared]:
        """A customer number given in the file must be new (to the bank and to the file)."""
        given = [item.number for item in creates if item.number]
        if not given:
            return creates
        taken = {
            number
            for (number,) in values_in(Customer, ["customer_number"], "customer_number", given)
        }
        kept = []
        for item in creates:
            number = item.number
            if number and (number in taken or number in self.numbers_seen):
                message = _("客户号 %(number)s 已被其他客户使用") % {"number": number}
                self.reject(item.row, [("customer_number", message)])
                continue
            if number:
                self.numbers_seen.add(number)
            kept.append(item)
        return kept

    def insert(self, creates: list[Prepared]) -> None:
        """New customers as plain rows, with their assets rows, assignments and audit events."""
        if not creates:
            return
        block = iter(customer_number_block(sum(1 for item in creates if not item.number)))
        numbers = [item.number or next(block) for item in creates]
        ids = insert_customers(
            [(number, *item.insert[1:]) for number, item in zip(numbers, creates, strict=True)]
        )
        open_empty_assets(list(ids.values()))
        open_assignments(
            ((ids[number], item.manager_id) for number, item in zip(numbers, creates, strict=True)),
            at=self.now,
            actor=self.actor,
            reason=_("批量导入"),
        )
        self.audit(
            "customers.customer.create",
            (
                (
                    ids[number],
                    f"{item.name}（{number}）",
                    numbered_changes_text(item.changes, number),
                )
                for number, item in zip(numbers, creates, strict=True)
            ),
        )

    def update(self, changes: list[Change]) -> None:
        """Changed customers in one set-based UPDATE from a temporary table of their new
        columns (prepared like new rows), a new assignment where the manager changed,
        and one audit event each."""
        if not changes:
            return
        if not self.changes_table:
            self.changes_table = True
            _changes_sql(
                "CREATE TEMPORARY TABLE {changes} AS SELECT id, {columns} FROM {customer} "
                "WHERE 1 = 0"
            )
        else:
            _changes_sql("DELETE FROM {changes}")
        insert_rows(
            CHANGES_TABLE,
            ["id", *UPDATED_COLUMNS],
            ((change.pk, *_updated_values(change.item.insert)) for change in changes),
        )
        if connection.vendor == "postgresql":
            _changes_sql("ANALYZE {changes}")  # a chunk's rows, joined by primary key
        _changes_sql(
            "UPDATE {customer} SET {assignments} FROM {changes} c WHERE c.id = {customer}.id",
            self.assigned,
        )
        moved = [c for c in changes if c.before[_MANAGER] != c.after[_MANAGER]]
        if moved:
            reassign(
                [(c.pk, c.after[_MANAGER]) for c in moved],
                at=self.now,
                actor=self.actor,
                reason=_("批量导入"),
            )
        self.audit(
            "customers.customer.update",
            (
                (
                    change.pk,
                    f"{change.item.name}（{change.before[0]}）",
                    _changes_text(change.before, change.after),
                )
                for change in changes
            ),
        )

    def finish(self) -> None:
        """Drop the work table (inside the transaction: a failed import never made it)."""
        if self.changes_table:
            _changes_sql("DROP TABLE {changes}")
            self.changes_table = False

    def audit(self, action: str, events) -> None:
        """One audit event per customer written (subject id, label, changes as JSON)."""
        audit_records(
            actor=self.actor,
            action=action,
            model=Customer,
            events=events,
            occurred_at=self.now,
            note=_("批量导入"),
            # An import run by the system (a command) names itself.
            actor_label=None if self.actor is not None else _("批量导入"),
        )


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
    table = read_table(path)
    if workers is None:
        workers = settings.KEWEI_IMPORT_WORKERS
    if not hasattr(os, "fork") or threading.active_count() > 1:
        # Rows are prepared in-process where forking is unsafe or impossible: a process
        # running other threads (the daily feed checks its files meanwhile; a lock held
        # by another thread stays held in the children), and Windows.
        workers = 0
    importer = _Importer(actor=actor, dry_run=dry_run, progress=progress)
    with collector_paused(), batch_page_cache(), transaction.atomic():
        result = importer.run(table, workers=workers)
        if not dry_run:
            audit_record(
                actor=actor,
                action="customers.import",
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


def write_report(result: ImportResult, path: Path) -> None:
    """The rejects as CSV (UTF-8 with BOM, so Excel opens it in Chinese)."""
    from kewei.core.xlsx import neutralise

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("行号"), _("列"), _("原因")])
        for error in result.errors:
            writer.writerow([error.row, neutralise(error.column), neutralise(error.reason)])
