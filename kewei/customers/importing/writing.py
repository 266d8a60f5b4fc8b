"""Writing an import: the importer, which resolves once what every row needs, has the
rows prepared (here or by forked workers) and writes each prepared batch in the caller's
transaction: new customers by set-based inserts, changed ones by one ``UPDATE ... FROM``
a temporary table, each with its audit event; and the report of rejected rows."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kewei.audit.services import audit_records, diff, snapshot_values
from kewei.core.bulk import db_value, insert_rows, values_in
from kewei.core.forked import forked_map
from kewei.core.progress import Progress
from kewei.core.scope import current_scope
from kewei.customers.identity import load_pinyin
from kewei.customers.importing.reading import Batch, Table
from kewei.customers.importing.rows import ID_INDEX_AT, Chunk, Prepared, RowError, Rows
from kewei.customers.models import Customer, InformationSource
from kewei.customers.selectors import assignable_managers, customer_departments
from kewei.customers.services import (
    COMPARED_COLUMNS,
    CUSTOMER_FIELDS,
    INSERT_COLUMNS,
    OPTIONAL_FIELDS,
    UPDATED_COLUMNS,
    comparable_row,
    customer_number_block,
    insert_customers,
    numbered_changes_text,
    open_assignments,
    open_empty_assets,
    reassign,
)
from kewei.customers.validation import FIELD_LABELS
from kewei.organisation.models import Department, Staff


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


class Change(NamedTuple):
    """A known customer whose row in the file changes it."""

    pk: int
    item: Prepared
    before: tuple  # COMPARED_COLUMNS as stored, in clear
    after: tuple  # COMPARED_COLUMNS once changed


_updated_values = itemgetter(*(INSERT_COLUMNS.index(c) for c in UPDATED_COLUMNS))
_NUMBER = COMPARED_COLUMNS.index("customer_number")
_STATUS = COMPARED_COLUMNS.index("status")
_MANAGER = COMPARED_COLUMNS.index("responsible_manager_id")
_VIP = COMPARED_COLUMNS.index("vip_flag")
CHANGES_TABLE = "kewei_import_changes"


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


class Importer:
    """One import: the rows prepared by :class:`~kewei.customers.importing.rows.Rows`,
    written here, in the caller's transaction."""

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
        # resolved once for the whole file (see Rows).
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

    def run(self, table: Table, *, workers: int) -> ImportResult:
        """Import the table's rows: prepared by ``workers`` processes (none: in this
        one), unless the file has no more than a chunk's rows to prepare ahead."""
        self.start(table)
        self.progress.start(table.total, _("导入客户"))
        self.result.workers = workers if table.total > table.size else 0
        # Closed at once when writing fails: the workers stop before the rollback.
        with closing(self.prepared_chunks(table.batches, self.result.workers)) as chunks:
            for chunk in chunks:
                self.write_chunk(chunk)
        self.finish()
        return self.result

    def start(self, table: Table) -> None:
        """What the file's columns decide for every row."""
        columns = table.columns
        self.rows = Rows(
            columns=columns,
            dialect=table.dialect,
            nul=table.nul,
            departments=self.departments,
            managers=self.managers,
            reachable=self.reachable,
            assignable=self.assignable,
            today=self.today,
            stamp=self.stamp,
            # Without a source column, rows are recorded as coming from a bulk import.
            default_source="" if "source" in columns.values() else InformationSource.IMPORT,
        )
        # A column the file leaves out is not changed on known customers.
        present = set(columns.values())
        kept = [Customer._meta.get_field(f).attname for f in OPTIONAL_FIELDS if f not in present]
        self.kept_at = [COMPARED_COLUMNS.index(attname) for attname in kept]
        self.assigned = tuple(column for column in UPDATED_COLUMNS if column not in kept)

    def prepare(self, batch: Batch) -> Chunk:
        """A batch prepared in this process (:meth:`Rows.prepare`)."""
        return self.rows.prepare(batch)

    def prepared_chunks(self, batches: Iterator[Batch], workers: int) -> Iterator[Chunk]:
        """Each batch prepared, in file order. With workers, batches are prepared in
        forked processes while this one writes the chunks before them: preparing (the
        checksums, the encryption, the blind indexes, pinyin and the audit diffs) is
        half the work of an import, and needs no database."""
        if workers < 1:
            yield from map(self.rows.prepare, batches)
            return
        load_pinyin()
        # Forked, the workers start with everything the importer has loaded (the
        # departments, the staff); they never touch the database connection they inherit.
        language = translation.get_language()

        def setup() -> None:
            translation.activate(language)  # the reasons of rejected rows
            os.nice(10)  # preparing gives way to the writing process and to pages served

        yield from forked_map(self.rows.prepare, batches, workers=workers, setup=setup)

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
                [item.insert[ID_INDEX_AT] for item in keyed],
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
            number, status = current[_NUMBER], current[_STATUS]
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


def write_report(result: ImportResult, path: Path) -> None:
    """The rejects as CSV (UTF-8 with BOM, so Excel opens it in Chinese)."""
    from kewei.core.xlsx import neutralise

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("行号"), _("列"), _("原因")])
        for error in result.errors:
            writer.writerow([error.row, neutralise(error.column), neutralise(error.reason)])
