"""Preparing an import's rows: each validated and turned into what the database needs
(the customer row in database form, the creation's audit diff, the personal fields in
clear for comparison), or rejected with its problems. No database access: batches are
prepared in forked worker processes while the importing process writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from kewei.customers.importing.reading import Batch, csv_rows
from kewei.customers.services import (
    INSERT_COLUMNS,
    created_changes_text,
    identity_index,
    insert_row,
    personal_values,
)
from kewei.customers.validation import CustomerData, clean_customer
from kewei.organisation.models import Department, Staff


@dataclass
class RowError:
    """A problem of a rejected row: its number in the file, the column's label, why."""

    row: int
    column: str
    reason: str


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
    ``Rows.prepare``, which does no database access. Plain values only: prepared
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
        return self.insert[ID_TYPE_AT], self.insert[ID_INDEX_AT]

    def __reduce__(self):
        # Pickled as the tuple it is: a worker's rows are rebuilt without calling the
        # class's own ``__new__`` for each, which took a third of the cost of sending them.
        return tuple.__new__, (Prepared, tuple(self))


# Where the prepared row holds the identity it is matched by.
ID_TYPE_AT = INSERT_COLUMNS.index("id_type")
ID_INDEX_AT = INSERT_COLUMNS.index("id_number_index")


class Chunk(NamedTuple):
    """A prepared batch."""

    valid: list[Prepared]
    rejected: list[tuple[int, list[tuple[str, str]]]]  # (row, [(field, reason)])
    rows: int  # the rows read, blank ones included


class Rows:
    """How a file's rows are prepared: what its columns and the importer's reach decide
    for every row, resolved once by the importing process (the departments and staff by
    code, the outlets and managers the importer may give customers to) and inherited by
    the forked workers, which prepare batches with no database access."""

    def __init__(
        self,
        *,
        columns: dict[int, str],
        dialect,
        nul: bool,
        departments: dict[str, Department],
        managers: dict[str, Staff],
        reachable: set[int],
        assignable: set[int],
        today: dt.date,
        stamp,
        default_source: str,
    ) -> None:
        self.columns = columns  # column → field
        self.dialect, self.nul = dialect, nul  # how a batch's text is parsed, checked
        self.departments, self.managers = departments, managers
        # The outlets and managers the importer may give customers to, as on the form
        # (the import writes rows in bulk, not through the services, so these sets are
        # its enforcement of the rule).
        self.reachable, self.assignable = reachable, assignable
        self.today = today  # looked up once: the time zone lookup per row cost 7 %
        self.stamp = stamp  # the creation time in the database's form
        self.default_source = default_source  # "" when the file has a source column

    def prepare(self, batch: Batch) -> Chunk:
        """Validate and prepare rows: checksums, encryption, blind indexes, pinyin and
        audit diffs, with no database access."""
        valid: list[Prepared] = []
        rejected: list[tuple[int, list[tuple[str, str]]]] = []
        columns = list(self.columns.items())
        first, rows = batch
        if isinstance(rows, str):
            rows = list(csv_rows(rows, self.dialect, first))
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
            index = identity_index(data.id_type, data.id_number)
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
