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
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.audit.models import AuditEvent
from kewei.audit.services import audit_record, diff, snapshot
from kewei.core.bulk import bulk_insert
from kewei.core.progress import Progress, SilentProgress
from kewei.core.request_context import current_client_ip, current_request_id
from kewei.core.scope import current_scope
from kewei.customers.models import Customer, CustomerAssignment, InformationSource
from kewei.customers.services import (
    CUSTOMER_FIELDS,
    ENCRYPTED_COLUMNS,
    INSERT_COLUMNS,
    apply_data,
    comparable,
    created_changes,
    customer_number_block,
    insert_row,
    open_assets,
)
from kewei.customers.services import identity_index as make_identity_index
from kewei.customers.validation import FIELD_LABELS, CustomerData, clean_customer
from kewei.organisation.models import Department, Staff

CHUNK = 5000

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


def _rows_from_csv(raw: bytes) -> Iterator[list[Any]]:
    text = _decode(raw)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text, newline=""), dialect)


def _rows_from_xlsx(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ImportFileError(_("XLSX 文件无法读取：%(error)s") % {"error": error}) from error
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def read_rows(path: Path) -> tuple[dict[int, str], Iterator[list[Any]]]:
    """The column → field map of the header, and the data rows. Raises ImportFileError."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("文件不存在：%(path)s") % {"path": path})
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        rows = _rows_from_xlsx(path)
    elif path.suffix.lower() in {".xls", ".xlsx", ".xlsm"}:
        raise ImportFileError(_("不支持的文件格式：请使用 CSV 或 XLSX（不支持旧版 XLS）"))
    else:
        raw = path.read_bytes()
        if b"\x00" in raw[:4096]:
            raise ImportFileError(_("不支持的文件格式：请使用 CSV 或 XLSX"))
        rows = _rows_from_csv(raw)
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(_("文件为空")) from None
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        key = re.sub(r"[\s_\-（）()*]+", "", str(title or "")).lower()
        name = _LOOKUP.get(key)
        if name and name not in columns.values():
            columns[index] = name
    missing = [f for f in REQUIRED_COLUMNS if f not in columns.values()]
    if len(columns) < 2 or missing:
        labels = "、".join(str(FIELD_LABELS[f]) for f in missing) or _("全部")
        raise ImportFileError(_("无法识别表头：缺少列 %(columns)s") % {"columns": labels})
    return columns, rows


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path) -> int:
    """Data rows (for the progress bar); cheap next to the import itself."""
    _columns, rows = read_rows(path)
    return sum(1 for row in rows if any(cell not in (None, "") for cell in row))


@dataclass
class Prepared:
    """One valid row, checked and turned into what the database needs (by
    ``_Importer.prepare``, which does no database access)."""

    row: int
    key: str  # id type and blind index: the identity the row is matched by
    data: CustomerData
    manager_id: int | None
    insert: tuple  # INSERT_COLUMNS, with the customer number still open
    changes: dict  # the audit diff of a creation, without the customer number


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
        self.seen: dict[str, int] = {}
        self.numbers_seen: set[str] = set()
        self.now = timezone.now()
        # Looked up once: the time zone lookup per row cost 7 % of an import.
        self.today = timezone.localdate(self.now)
        self.actor_id = getattr(actor, "pk", None)
        self.actor_label = (
            f"{actor.get_full_name()}（{actor.get_username()}）"
            if actor is not None
            else _("批量导入")
        )

    def reject(self, row: int, field_name: str, reason: str) -> None:
        label = str(FIELD_LABELS.get(field_name, field_name))
        self.result.errors.append(RowError(row=row, column=label, reason=reason))

    def batches(self, rows: Iterator[list[Any]]) -> Iterator[list[tuple[int, list[Any]]]]:
        batch: list[tuple[int, list[Any]]] = []
        for number, row in enumerate(rows, start=2):
            if not any(cell not in (None, "") for cell in row):
                continue
            batch.append((number, row))
            if len(batch) >= CHUNK:
                yield batch
                batch = []
        if batch:
            yield batch

    def prepare(self, batch: list[tuple[int, list[Any]]]) -> list[Prepared | tuple[int, list]]:
        """Validate and prepare rows: checksums, encryption, blind indexes, pinyin and
        audit diffs, with no database access. A rejected row is ``(row, errors)``."""
        prepared: list[Prepared | tuple[int, list]] = []
        for number, row in batch:
            raw = {name: row[i] if i < len(row) else None for i, name in self.columns.items()}
            data, errors = clean_customer(
                raw, departments=self.departments, managers=self.managers, today=self.today
            )
            if errors:
                prepared.append((number, [(e.field, e.message) for e in errors]))
                continue
            if self.default_source:
                data.source = self.default_source
            index = make_identity_index(data.id_type, data.id_number)
            manager_id = data.responsible_manager.pk if data.responsible_manager else None
            prepared.append(
                Prepared(
                    row=number,
                    key=f"{data.id_type}:{index}",
                    data=data,
                    manager_id=manager_id,
                    insert=insert_row(
                        data, number="", manager_id=manager_id, now=self.now, index=index
                    ),
                    changes=created_changes(data, number="", manager_id=manager_id),
                )
            )
        return prepared

    def run(self, columns: dict[int, str], rows: Iterator[list[Any]]) -> ImportResult:
        self.columns = columns
        # Without a source column, rows are recorded as coming from a bulk import.
        self.default_source = "" if "source" in columns.values() else InformationSource.IMPORT
        for batch in self.batches(rows):
            self.write_chunk(self.prepare(batch))
        return self.result

    def write_chunk(self, prepared: list[Prepared | tuple[int, list]]) -> None:
        keyed: list[Prepared] = []
        for item in prepared:
            if isinstance(item, tuple):
                number, errors = item
                self.result.rejected += 1
                for field_name, message in errors:
                    self.reject(number, field_name, message)
                self.progress.advance()
                continue
            if item.key in self.seen:
                self.result.rejected += 1
                self.reject(
                    item.row,
                    "id_number",
                    _("与第 %(row)d 行的证件号码重复") % {"row": self.seen[item.key]},
                )
                self.progress.advance()
                continue
            self.seen[item.key] = item.row
            keyed.append(item)
        existing = {
            f"{c.id_type}:{c.id_number_index}": c
            for c in Customer.objects.unrestricted().filter(
                id_number_index__in=[item.key.split(":", 1)[1] for item in keyed]
            )
        }
        visible = None
        if self.scope is not None and existing:
            visible = set(
                Customer.objects.unrestricted()
                .restrict(self.scope)
                .filter(pk__in=[c.pk for c in existing.values()])
                .values_list("pk", flat=True)
            )
        creates: list[Prepared] = []
        updates: list[tuple[Customer, dict, dict]] = []
        for item in keyed:
            current = existing.get(item.key)
            if current is None:
                creates.append(item)
            elif visible is not None and current.pk not in visible:
                self.result.rejected += 1
                self.reject(
                    item.row,
                    "id_number",
                    _("该客户（%(number)s）不在您的数据权限范围内")
                    % {"number": current.customer_number},
                )
            else:
                data = item.data
                before, unchanged = snapshot(current, CUSTOMER_FIELDS), comparable(current)
                apply_data(current, data)  # the customer number never changes
                if comparable(current) == unchanged:
                    self.result.unchanged += 1
                else:
                    updates.append((current, before, snapshot(current, CUSTOMER_FIELDS)))
            self.progress.advance()
        creates = self.refuse_taken_numbers(creates)
        self.result.imported += len(creates)
        self.result.updated += len(updates)
        if not self.dry_run:
            self.insert(creates)
            self.update(updates)

    def refuse_taken_numbers(self, creates: list[Prepared]) -> list[Prepared]:
        """A customer number given in the file must be new (to the bank and to the file)."""
        given = [item.data.customer_number for item in creates if item.data.customer_number]
        if not given:
            return creates
        taken = set(
            Customer.objects.unrestricted()
            .filter(customer_number__in=given)
            .values_list("customer_number", flat=True)
        )
        kept = []
        for item in creates:
            number = item.data.customer_number
            if number and (number in taken or number in self.numbers_seen):
                self.result.rejected += 1
                self.reject(
                    item.row,
                    "customer_number",
                    _("客户号 %(number)s 已被其他客户使用") % {"number": number},
                )
                continue
            if number:
                self.numbers_seen.add(number)
            kept.append(item)
        return kept

    def insert(self, creates: list[Prepared]) -> None:
        """New customers as plain rows (bulk_insert), with assignments and audit events."""
        if not creates:
            return
        numbers = iter(
            customer_number_block(sum(1 for item in creates if not item.data.customer_number))
        )
        for item in creates:
            item.data.customer_number = item.data.customer_number or next(numbers)
        bulk_insert(
            Customer,
            INSERT_COLUMNS,
            ((item.data.customer_number, *item.insert[1:]) for item in creates),
            prepared=ENCRYPTED_COLUMNS,
        )
        ids = dict(
            Customer.objects.unrestricted()
            .filter(customer_number__in=[item.data.customer_number for item in creates])
            .values_list("customer_number", "pk")
        )
        open_assets(dict.fromkeys(ids.values(), Decimal(0)))
        reason = _("批量导入")
        bulk_insert(
            CustomerAssignment,
            ["customer_id", "manager_id", "started_at", "assigned_by_id", "reason"],
            (
                (ids[item.data.customer_number], item.manager_id, self.now, self.actor_id, reason)
                for item in creates
                if item.manager_id is not None
            ),
        )
        created = {"before": None}
        self.audit(
            self.now,
            (
                (
                    ids[item.data.customer_number],
                    f"{item.data.name}（{item.data.customer_number}）",
                    "customers.customer.create",
                    {
                        **item.changes,
                        "customer_number": {**created, "after": item.data.customer_number},
                    },
                )
                for item in creates
            ),
        )

    def update(self, updates: list[tuple[Customer, dict, dict]]) -> None:
        if not updates:
            return
        now = self.now
        for customer, _before, _after in updates:
            customer.updated_at = now
        fields = [
            f
            for f in (
                *CUSTOMER_FIELDS,
                "name_pinyin",
                "name_initials",
                "id_number_index",
                "birth_month",
                "birth_day",
                "mobile_index",
                "address_district",
                "updated_at",
            )
            if f not in ("customer_number", "status")
        ]
        Customer.objects.bulk_update([c for c, _b, _a in updates], fields, batch_size=1000)
        self.audit(
            now,
            (
                (c.pk, str(c), "customers.customer.update", diff(before, after))
                for c, before, after in updates
            ),
        )

    def audit(self, now, events) -> None:
        """One audit event per customer written, in one set-based insert."""
        request_id, client_ip, note = current_request_id(), current_client_ip(), _("批量导入")
        bulk_insert(
            AuditEvent,
            [
                "occurred_at",
                "actor_id",
                "actor_label",
                "action",
                "subject_type",
                "subject_id",
                "subject_label",
                "request_id",
                "client_ip",
                "changes",
                "note",
            ],
            (
                (
                    now,
                    self.actor_id,
                    self.actor_label[:120],
                    action,
                    "customers.customer",
                    str(pk),
                    label[:200],
                    request_id,
                    client_ip,
                    changes,
                    note,
                )
                for pk, label, action, changes in events
            ),
        )


def _pk(instance) -> int | None:
    return instance.pk if instance is not None else None


def import_customers(
    path: Path,
    *,
    actor=None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a file; raises :class:`ImportFileError` when the file itself is unusable."""
    progress = progress or SilentProgress()
    path = Path(path)
    total = count_rows(path)
    columns, rows = read_rows(path)
    progress.start(total, _("导入客户"))
    importer = _Importer(actor=actor, dry_run=dry_run, progress=progress)
    with transaction.atomic():
        result = importer.run(columns, rows)
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
