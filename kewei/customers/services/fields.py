"""The customer's row as the archive writes it: one table of its columns (``FIELDS``), and
everything the write path derives from it once, when this module loads.

From the table come the columns of a bulk insert (``INSERT_COLUMNS``, the ones given in
database form ``PREPARED_COLUMNS``), the basic information snapshotted, compared and
audited (``CUSTOMER_FIELDS``, ``COMPARED_COLUMNS``), and four functions generated from
it: :func:`insert_row` (a new customer's row), :func:`apply_data` (the same on a model
instance), :func:`comparable_row` (what an import's row would store, to compare with
what is stored) and :func:`created_changes_text` (the creation's audit diff as JSON
text), all by :class:`WritePath`. They are generated as plain Python source, one tuple
or one template per row, so a bulk import does per row only what the hand-written
functions did: no loop over the columns, no dict.

Adding a column to the write path is one ``Column`` in ``FIELDS`` (besides the model
field, ``CustomerData`` and its validation): for example a nationality, a choice the
import re-imports and the creation audits::

    Column("nationality", "data.nationality", row="_plain(data.nationality)",
           field="nationality")

and a personal one, encrypted and masked in the audit, adds ``personal=True,
prepared=True`` (with its mask in ``Customer.audit_masks``; a blind index is a column of
its own). To be read from import files, its column also needs its header names
(``customers.importing.reading.HEADER_ALIASES``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii
from operator import attrgetter

from kewei.core import crypto
from kewei.core.bulk import bulk_insert, inserted_ids
from kewei.core.masking import mask_address
from kewei.core.models import reserve_numbers
from kewei.customers.identity import given_name, name_pinyin
from kewei.customers.models import Customer, CustomerStatus

ID_PURPOSE, MOBILE_PURPOSE = "id_number", "mobile"


def identity_index(id_type: str, id_number: str) -> str:
    return crypto.blind_index(f"{id_type}:{id_number}", ID_PURPOSE)


def mobile_index(mobile: str) -> str:
    return crypto.blind_index(mobile, MOBILE_PURPOSE)


def customer_number_block(count: int) -> list[str]:
    return [f"C{number:011d}" for number in reserve_numbers("customer_number", count)]


# How the creation's audit diff writes a value (see Column.audit).
TEXT, NUMBER, FLAG = "text", "number", "flag"


@dataclass(frozen=True)
class Column:
    """One column of the customer table that the archive writes, and what the write path
    does with it. Expressions are Python source, evaluated in the generated functions over
    ``data`` (a :class:`CustomerData`) and, in :func:`insert_row`, its parameters
    (``number``, ``manager_id``, ``now``, ``index``)."""

    attname: str
    # What :func:`apply_data` sets on a model instance (on ``attribute``, the attname
    # unless given: a foreign key is set as its object); None: apply_data leaves it.
    value: str | None
    # The new row's value in :func:`insert_row` (in database form where ``prepared``),
    # when it is not ``value``.
    row: str | None = None
    attribute: str = ""
    # A value several columns share, computed once per row: ``(name, expression)``.
    needs: tuple[str, str] | None = None
    # The row gives it in database form (bulk_insert passes it on as it is).
    prepared: bool = False
    # A constant every new row has (``row`` is then not given).
    constant: str | None = None
    # The basic-information field it holds (CUSTOMER_FIELDS): snapshotted by the
    # services, compared by a re-import, in the creation's audit diff. "": none of these.
    field: str = ""
    # Encrypted in the row: compared in clear (``value``), masked in the audit diff by
    # ``Customer.audit_masks[field]``.
    personal: bool = False
    # A re-import compares it with its stored value, never its own, and never writes it.
    kept: bool = False
    # A re-import compares this, of the row's value ``{}``, when it is not the value as
    # stored (a date the row gives as ISO text).
    compared: str = "{}"
    # How the creation's audit diff writes the row's value: TEXT (a JSON string), NUMBER
    # (an id), FLAG (true/false). A personal value is always masked text; a constant's
    # text is written once into the template.
    audit: str = TEXT
    # Left out of the creation's audit diff when the row's value is None (it has no
    # value to record), as the audit's own diff does.
    nullable: bool = False
    # A re-import of a known customer writes it (unless kept): not its tier or creation.
    updated: bool = True
    # A file may leave its column out: a known customer then keeps what it has.
    optional: bool = False

    @property
    def expression(self) -> str:
        """The new row's value in :func:`insert_row`."""
        if self.constant is not None:
            return f"_constant_{self.attname}"
        return self.row or self.value


_PINYIN = ("pinyin", "name_pinyin(data.name)")

FIELDS: tuple[Column, ...] = (
    Column("customer_number", None, row="number", field="customer_number", kept=True),
    Column("name", "data.name", field="name"),
    Column("name_pinyin", "pinyin[0]", needs=_PINYIN),
    Column("name_initials", "pinyin[1]", needs=_PINYIN),
    Column("given_name", "given_name(data.name)"),
    Column("gender", "data.gender", row="_plain(data.gender)", field="gender"),
    Column("id_type", "data.id_type", row="_plain(data.id_type)", field="id_type"),
    Column(
        "id_number",
        "data.id_number",
        row="_encrypt(data.id_number)",
        prepared=True,
        field="id_number",
        personal=True,
    ),
    Column(
        "id_number_index",
        "identity_index(data.id_type, data.id_number)",
        # The import has computed it already, to match the row with known customers.
        row="index or identity_index(data.id_type, data.id_number)",
    ),
    Column(
        "birthday",
        "data.birthday",
        row="data.birthday.isoformat()",
        prepared=True,
        field="birthday",
        compared="_date({})",
    ),
    Column("birth_month", "data.birthday.month"),
    Column("birth_day", "data.birthday.day"),
    Column(
        "mobile",
        "data.mobile",
        row="_encrypt(data.mobile)",
        prepared=True,
        field="mobile",
        personal=True,
    ),
    Column("mobile_index", "mobile_index(data.mobile)"),
    Column("mobile_last4", "data.mobile[-4:]"),
    Column(
        "address",
        "data.address",
        row="_encrypt(data.address)",
        prepared=True,
        field="address",
        personal=True,
    ),
    Column("address_district", "mask_address(data.address)"),
    Column(
        "email",
        "data.email",
        row='_encrypt(data.email) if data.email else ""',
        prepared=True,
        field="email",
        personal=True,
        optional=True,
    ),
    Column(
        "department_id",
        "data.department",
        row="data.department.pk",
        attribute="department",
        field="department",
        audit=NUMBER,
    ),
    Column(
        "responsible_manager_id",
        "data.responsible_manager",
        row="manager_id",
        attribute="responsible_manager",
        field="responsible_manager",
        audit=NUMBER,
        nullable=True,
        optional=True,
    ),
    Column("vip_flag", "data.vip_flag", prepared=True, field="vip_flag", audit=FLAG, optional=True),
    Column("tier", None, constant="", updated=False),
    Column("source", "data.source", row="_plain(data.source)", field="source", optional=True),
    Column(
        "status",
        None,
        constant=CustomerStatus.ACTIVE,
        field="status",
        kept=True,
    ),
    Column("created_at", None, row="now", prepared=True, updated=False),
    Column("updated_at", None, row="now", prepared=True),
)


# A choice (an enum member) as plain text. The SQLite driver binds a str subclass only
# after looking for an adapter for it, which costs as much as binding five plain values.
_plain = str.__str__
_json_text = encode_basestring_ascii  # text as json.dumps writes it, in ASCII


class WritePath:
    """What the write path derives from a table of columns: the column lists and the
    generated functions. Built once for ``FIELDS``, when this module loads (the names
    below); a test builds one for a table of one column more, to show that one entry is
    all a new column needs."""

    def __init__(self, fields: Sequence[Column]) -> None:
        fields = tuple(fields)
        # A row is numbered by replacing its first value (the import numbers rows once
        # they are prepared).
        if fields[0].attname != "customer_number":
            raise ValueError("the customer number must be the first column")
        self.fields = fields
        basic = tuple(column for column in fields if column.field)
        self.personal = tuple(column for column in fields if column.personal)
        self.insert_columns = tuple(column.attname for column in fields)
        self.prepared_columns = tuple(column.attname for column in fields if column.prepared)
        self.customer_fields = tuple(column.field for column in basic)
        self.compared_columns = tuple(column.attname for column in basic)
        self.optional_fields = tuple(column.field for column in basic if column.optional)
        self.updated_columns = tuple(c.attname for c in fields if c.updated and not c.kept)
        self.namespace = {
            "__name__": __name__,
            "_plain": _plain,
            "_encrypt": crypto.encrypt,
            "_date": dt.date.fromisoformat,
            "_json_text": _json_text,
            "identity_index": identity_index,
            "mobile_index": mobile_index,
            "name_pinyin": name_pinyin,
            "given_name": given_name,
            "mask_address": mask_address,
            **{
                f"_constant_{column.attname}": _plain(column.constant)
                for column in fields
                if column.constant is not None
            },
            **{f"_mask_{c.field}": Customer.audit_masks[c.field] for c in self.personal},
        }

        self.insert_row = self._compiled(
            "def insert_row(data, *, number, manager_id, now, index=None):\n"
            + _needs(fields)
            + "    return (\n"
            + "".join(f"        {column.expression},\n" for column in fields)
            + "    )\n",
            "insert_row",
        )
        applied = tuple(column for column in fields if column.value is not None)
        self.apply_data = self._compiled(
            "def apply_data(customer, data):\n"
            + _needs(applied)
            + "".join(
                f"    customer.{column.attribute or column.attname} = {column.value}\n"
                for column in applied
            ),
            "apply_data",
        )
        self.comparable_row = self._compiled(
            "def comparable_row(row, personal, *, "
            + ", ".join(column.attname for column in basic if column.kept)
            + "):\n    return (\n"
            + "".join(f"        {self._compared(column)},\n" for column in basic)
            + "    )\n",
            "comparable_row",
        )
        # The creation's audit diff, in two parts around the customer number (the first
        # column), the fields sorted.
        numbered = fields[0]
        audited = sorted((c for c in basic if c is not numbered), key=attrgetter("field"))
        self.head = tuple(column for column in audited if column.field < numbered.field)
        self.tail = tuple(column for column in audited if column.field > numbered.field)
        self.nullable = tuple(column for column in audited if column.nullable)
        self.created_changes_text = self._compiled(
            "def created_changes_text(data, *, manager_id):\n"
            + self._created_body(self.nullable, frozenset(), "    "),
            "created_changes_text",
        )

    def _compiled(self, source: str, name: str):
        """The function ``name`` defined by ``source``, in the generated namespace."""
        namespace = dict(self.namespace)
        code = compile(source, f"<customers.services.fields: {name}>", "exec")
        exec(code, namespace)  # noqa: S102  (source built from FIELDS above)
        function = namespace[name]
        function.source = source  # what it is, for whoever reads a traceback
        return function

    def _compared(self, column: Column) -> str:
        """A compared column's value in :func:`comparable_row`."""
        if column.kept:
            return column.attname
        if column.personal:
            return f"personal[{self.personal.index(column)}]"
        return column.compared.format(f"row[{self.fields.index(column)}]")

    def _created_body(self, nullable: Sequence[Column], present: frozenset, indent: str) -> str:
        """The return of each combination of the nullable fields being None or not."""
        if not nullable:
            head = self._part(self.head, present, "{", ", ")
            tail = self._part(self.tail, present, ", ", "}")
            return f"{indent}return {head}, {tail}\n"
        column, rest = nullable[0], nullable[1:]
        return (
            f"{indent}if {column.expression} is None:\n"
            + self._created_body(rest, present, indent + "    ")
            + self._created_body(rest, present | {column}, indent)
        )

    def _part(self, columns: Sequence[Column], present: frozenset, first: str, last: str) -> str:
        """A return value's part: the template of ``columns`` (the nullable ones only when
        in ``present``) filled with the row's values."""
        entries = [_entry(c) for c in columns if c not in self.nullable or c in present]
        template = first + ", ".join(text for text, _value in entries) + last
        values = "".join(f"{value}, " for _text, value in entries if value is not None)
        return f"{template!r} % ({values})" if values else repr(template.replace("%%", "%"))


def _needs(columns: Sequence[Column]) -> str:
    """The statements computing what the columns' expressions share, each once."""
    needs = dict.fromkeys(column.needs for column in columns if column.needs)
    return "".join(f"    {name} = {expression}\n" for name, expression in needs)


def _entry(column: Column) -> tuple[str, str | None]:
    """A field's text in the creation's audit diff, with a %s where each row's value
    goes, and that value as an expression (None: the text is the same for every row)."""
    entry = f'"{column.field}": {{"before": null, "after": %s}}'
    if column.constant is not None:
        return entry % _json_text(_plain(column.constant)).replace("%", "%%"), None
    if column.personal:
        return entry, f"_json_text(_mask_{column.field}({column.value}))"
    value = column.expression
    if column.audit == NUMBER:
        return entry, value
    if column.audit == FLAG:
        return entry, f'"true" if {value} else "false"'
    return entry, f"_json_text({value})"


_PATH = WritePath(FIELDS)

INSERT_COLUMNS = _PATH.insert_columns
# The columns insert_row gives in database form (encrypted; a date as ISO text; a
# boolean; the timestamps as the caller converted them), which bulk_insert passes on.
PREPARED_COLUMNS = _PATH.prepared_columns
CUSTOMER_FIELDS = _PATH.customer_fields
# The columns of CUSTOMER_FIELDS (a foreign key's id), in their order.
COMPARED_COLUMNS = _PATH.compared_columns
# Fields a file may leave out: a known customer then keeps what it has.
OPTIONAL_FIELDS = _PATH.optional_fields
# What a re-import writes of a known customer, from its prepared row.
UPDATED_COLUMNS = _PATH.updated_columns

insert_row = _PATH.insert_row
insert_row.__doc__ = """The row of a new customer for :func:`kewei.core.bulk.bulk_insert`
(INSERT_COLUMNS, PREPARED_COLUMNS in database form: ``now`` is given as
``bulk.db_value`` converts it), with personal fields encrypted and the derived columns
computed: what :func:`apply_data` does for one model instance, for a million rows."""

apply_data = _PATH.apply_data
apply_data.__doc__ = "Copy validated data onto a customer, with the derived columns."

# The basic information in clear, to tell whether an edit changes anything.
comparable = attrgetter(*COMPARED_COLUMNS)
# The personal fields that insert_row encrypts, in clear (what a known customer is
# compared with, carried beside the row).
personal_values = attrgetter(*(column.field for column in _PATH.personal))

comparable_row = _PATH.comparable_row
comparable_row.__doc__ = """What :func:`comparable` gives for a customer once the row of
:func:`insert_row` is applied to it (its kept columns, number and status, stay), with the
row's encrypted fields given in clear (:func:`personal_values`): whether an import's row
changes a customer, told without loading the customer or decrypting anything."""

# A new customer's audit diff as the JSON text ``json.dumps(diff(None, snapshot(...)))``
# gives: the fields sorted, a value of None left out (a customer without a manager); in
# two parts around the customer number, which the import gives only once the rows are
# prepared. Filled into templates, not serialised: the bulk import builds one for every
# row, and ``json.dumps`` of a dict cost four times as much.
created_changes_text = _PATH.created_changes_text
created_changes_text.__doc__ = """The audit diff of a new customer as the JSON text the
audit trail stores, built from the data without a model instance, in two parts around
the customer number (:func:`numbered_changes_text`)."""


def insert_customers(rows: Sequence[tuple]) -> dict[str, int]:
    """New customers from rows of :func:`insert_row` (with their numbers), in one
    set-based insert; returns their ids by customer number."""
    bulk_insert(Customer, INSERT_COLUMNS, rows, prepared=PREPARED_COLUMNS)
    return inserted_ids(Customer, "customer_number", [row[0] for row in rows])


def numbered_changes_text(parts: tuple[str, str], number: str) -> str:
    head, tail = parts
    return f'{head}"customer_number": {{"before": null, "after": {_json_text(number)}}}{tail}'


__all__ = [
    "COMPARED_COLUMNS",
    "CUSTOMER_FIELDS",
    "FIELDS",
    "ID_PURPOSE",
    "INSERT_COLUMNS",
    "MOBILE_PURPOSE",
    "OPTIONAL_FIELDS",
    "PREPARED_COLUMNS",
    "UPDATED_COLUMNS",
    "Column",
    "WritePath",
    "apply_data",
    "comparable",
    "comparable_row",
    "created_changes_text",
    "customer_number_block",
    "identity_index",
    "insert_customers",
    "insert_row",
    "mobile_index",
    "numbered_changes_text",
    "personal_values",
]
