"""Loading one day of the core system's feed (``kewei load_day``), set-based.

Files are read and checked column-wise (:mod:`.reading`), the good rows are bulk-loaded
into staging tables (``COPY`` on PostgreSQL), and each file is merged with a handful of
SQL statements: no statement runs per row. Everything happens in one transaction: a
day either loads (with its rejects reported) or leaves nothing behind.

Balances are kept as intervals (:class:`~kewei.products.models.BalanceInterval`). A
loaded day D sets every holding's balance for the days ``[D, N)``, where N is the next
day already loaded (open-ended when D is the latest): the balance of a day is the one
of the latest loaded day at or before it. So days load in any order, and loading a day
again with the same files writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kewei.audit.services import audit_record
from kewei.core.bulk import bulk_insert, bulk_insert_arrow, fetch_arrow
from kewei.core.calendar import month_start, next_month
from kewei.core.statements import Statements
from kewei.customers.importing import ImportFileError, import_customers
from kewei.customers.models import Customer
from kewei.customers.services.derived import assets_refresh, coverage_refresh
from kewei.engine import runner
from kewei.products.actions import ProductsAction
from kewei.products.feed import format as spec
from kewei.products.feed.reading import (
    Checked,
    FeedError,
    Reject,
    check,
    manifest_sha256,
    read_file,
    read_manifest,
)
from kewei.products.models import (
    AUM_CATEGORIES,
    AssetsMonth,
    BalanceInterval,
    BusinessEvent,
    FeedDay,
    FeedReject,
    Holding,
    HoldingStatus,
    Product,
    StagedAssets,
    StagedBalanceChange,
    StagedCustomer,
    StagedEvent,
    StagedHolding,
    StagedTransaction,
    Transaction,
)
from kewei.products.selectors import assets_of_window, first_feed_day, latest_feed_day

STAGING = (
    StagedHolding,
    StagedBalanceChange,
    StagedCustomer,
    StagedAssets,
    StagedTransaction,
    StagedEvent,
)


@dataclass
class FileCounts:
    loaded: int = 0
    rejected: int = 0


@dataclass
class DayResult:
    day: dt.date
    files: dict[str, FileCounts] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(counts.rejected for counts in self.files.values())

    def lines(self) -> list[str]:
        return [
            f"{name}: loaded {counts.loaded}, rejected {counts.rejected}"
            for name, counts in self.files.items()
        ]


_SQL = Statements(
    {
        "customer": Customer,  # read only: the customers' columns are theirs to write
        "product": Product,
        "holding": Holding,
        "interval": BalanceInterval,
        "transaction": Transaction,
        "event": BusinessEvent,
        "assets": AssetsMonth,
        "staged_holding": StagedHolding,
        "change": StagedBalanceChange,
        "staged_customer": StagedCustomer,
        "staged_assets": StagedAssets,
        "staged_transaction": StagedTransaction,
        "staged_event": StagedEvent,
    }
)
# (``_run`` runs one statement, ``_fetch`` returns its rows; see core.statements.)
_run, _fetch = _SQL.run, _SQL.fetch


def _sql_rejects(file: str, sql: str, reason: str, params: dict | None = None) -> list[Reject]:
    return [Reject(file, row, column, reason) for row, column in _fetch(sql, params)]


def load_day(day: dt.date, directory: Path, *, actor=None) -> DayResult:
    """Load the feed of ``day`` from ``directory``. Raises :class:`FeedError`, having
    written nothing, when the manifest does not match the files."""
    directory = Path(directory)
    manifest = read_manifest(directory, day)
    tables = {name: read_file(directory, manifest, name) for name in spec.FILES}
    result = DayResult(day=day)
    manifest_hash = manifest_sha256(directory)
    # The files are checked (Arrow, in a second thread) while the database takes the
    # lock, loads the customers file and hands over the holdings as they stand.
    with ThreadPoolExecutor(max_workers=1) as pool, transaction.atomic():
        checking = pool.submit(_check_files, tables, day, translation.get_language())
        _claim_staging(STAGING)
        _load_customers(directory, manifest.rows[spec.CUSTOMERS], actor, result)
        next_day = (
            FeedDay.objects.filter(day__gt=day)
            .order_by("day")
            .values_list("day", flat=True)
            .first()
        )
        current = _current_holdings()
        checked = checking.result()
        holdings = _load_holdings(day, next_day, checked[spec.HOLDINGS], result, current)
        _load_transactions(day, checked[spec.TRANSACTIONS], result, holdings)
        _load_events(day, checked[spec.EVENTS], result)
        _update_coverage()
        _record_day(day, manifest_hash, result)
        _refresh_assets(day, next_day)
        audit_record(
            actor=actor,
            action=ProductsAction.LOAD_DAY,
            after={
                "day": day.isoformat(),
                "manifest_sha256": manifest_hash,
                **{name: vars(counts) for name, counts in result.files.items()},
            },
        )
    result.rejects.sort(key=lambda r: (spec.FILES.index(r.file), r.row))
    return result


def wait_for_loads() -> None:
    """Inside a transaction: wait until no other load runs, and keep others waiting
    until this transaction ends (on SQLite the write lock already does this)."""
    if connection.vendor == "postgresql":
        _run("SELECT pg_advisory_xact_lock(20261125)")


def _claim_staging(models) -> None:
    """Wait for any other load to finish (the staging tables are shared), then empty
    ``models``' staging tables. Inside the load's transaction."""
    staging = [connection.ops.quote_name(model._meta.db_table) for model in models]
    wait_for_loads()
    if connection.vendor == "postgresql":
        _run("TRUNCATE " + ", ".join(staging))
    else:
        for table in staging:
            _run(f"DELETE FROM {table}")


def load_transactions(day: dt.date, table: pa.Table) -> DayResult:
    """Load a batch of ``day``'s transactions that arrives apart from the day's files
    (pushed through the API): the same checks, rejects and merge as the transactions
    file, so the day's feed later adds only what the batches did not. ``table`` has
    the file's columns as text; rows are numbered from 2, as in a file with a header.
    Call inside the caller's transaction."""
    result = DayResult(day=day)
    result.files[spec.TRANSACTIONS] = FileCounts()
    _claim_staging([StagedTransaction])
    checked = check(spec.TRANSACTIONS, table, day)
    _load_transactions(day, checked, result, _CURRENT_HOLDINGS.empty_table())
    result.rejects.sort(key=lambda r: r.row)
    return result


def _check_files(tables: dict[str, pa.Table], day: dt.date, language: str | None):
    with translation.override(language):
        return {name: check(name, tables[name], day) for name in spec.COLUMNS}


def _load_customers(directory: Path, rows: int, actor, result: DayResult) -> None:
    counts = result.files.setdefault(spec.CUSTOMERS, FileCounts())
    if rows == 0:
        return
    try:
        imported = import_customers(directory / spec.CUSTOMERS, actor=actor)
    except ImportFileError as error:
        raise FeedError(f"{spec.CUSTOMERS}: {error}") from None
    counts.loaded = imported.imported + imported.updated + imported.unchanged
    counts.rejected = imported.rejected
    result.rejects += [
        Reject(spec.CUSTOMERS, error.row, error.column, error.reason) for error in imported.errors
    ]


def _stage(model, checked: Checked, columns: dict[str, str]) -> None:
    """Bulk-load the checked rows: ``columns`` maps staging attnames to checked columns."""
    good = checked.good
    staged = pa.table({target: good.column(source) for target, source in columns.items()})
    bulk_insert_arrow(model, staged)


def _add_rejects(result: DayResult, file: str, rejects: list[Reject]) -> None:
    counts = result.files.setdefault(file, FileCounts())
    counts.rejected += len(rejects)
    result.rejects += rejects


# Customers merged into another record: their number still arrives from the core system.
_RESOLVE_CUSTOMER = """
    UPDATE {target} SET customer_id = COALESCE(c.merged_into_id, c.id)
    FROM {{customer}} c WHERE c.customer_number = {target}.customer_number
"""


_CURRENT_HOLDINGS = pa.schema(
    [
        ("account_number", pa.string()),
        ("holding_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("product_id", pa.int64()),
        ("held_status", pa.string()),
        ("held_matures_on", pa.string()),
        ("held_opened_on", pa.string()),
        ("prior_balance", pa.int64()),
    ]
)
_STAGED_HOLDING_COLUMNS = (
    "row",
    "account_number",
    "customer_number",
    "product_code",
    "opened_on",
    "matures_on",
    "status",
    "balance",
    "holding_id",
    "customer_id",
    "product_id",
    "prior_balance",
)


def _with_holdings(
    rows: pa.Table, holdings: pa.Table, columns: list[str]
) -> tuple[pa.Table, pa.Array]:
    """``rows`` with ``columns`` of the holding of their account number (null for an
    unknown account), and each row's position in ``holdings``: a left join by account,
    as a hash lookup (several times faster than Arrow's join at millions of rows)."""
    positions = pc.index_in(
        rows.column("account_number").combine_chunks(),
        value_set=holdings.column("account_number").combine_chunks(),
    )
    found = holdings.select(columns).take(positions)
    for name in columns:
        rows = rows.append_column(name, found.column(name))
    return rows, positions


@dataclass
class _Comparison:
    staged: pa.Table  # the file's rows to stage, with the ids of known accounts
    missing: pa.Table  # known holdings with a balance that the file does not mention
    holdings: pa.Table  # every holding as it stood (account number → ids)
    status_changed: pa.Array  # customers with a holding whose status changes


def _current_holdings() -> pa.Table:
    """Every holding as it stands (account number, ids, details, balance)."""
    return fetch_arrow(
        # Dates as ISO text, the form the file's columns have after checking.
        "SELECT account_number, id, customer_id, product_id, status, "
        "CAST(matures_on AS TEXT), CAST(opened_on AS TEXT), balance "
        f"FROM {connection.ops.quote_name(Holding._meta.db_table)}",
        _CURRENT_HOLDINGS,
    )


def _compare_with_holdings(checked: Checked, holdings: pa.Table, latest: bool) -> _Comparison:
    """The file's rows joined (column-wise) with the holdings as they stand, so known
    accounts come with their ids and current balance. For the latest day, rows that
    change nothing are dropped: only they differ from what is stored."""
    good = checked.good
    # A closed holding holds nothing, whatever balance the row carries.
    closed = pc.equal(good.column("status"), HoldingStatus.CLOSED)
    good = good.set_column(
        good.schema.get_field_index("balance"),
        "balance",
        pc.if_else(closed, pa.scalar(0, pa.int64()), good.column("balance")),
    )
    joined, positions = _with_holdings(good, holdings, _CURRENT_HOLDINGS.names[1:])

    def differs(column: str, held: str) -> pa.ChunkedArray:
        return pc.not_equal(
            pc.fill_null(joined.column(column), ""), pc.fill_null(joined.column(held), "")
        )

    status_change = pc.and_(
        pc.is_valid(joined.column("holding_id")), differs("status", "held_status")
    )
    status_changed = pc.unique(joined.filter(status_change).column("customer_id").combine_chunks())
    missing = holdings.schema.empty_table()
    if latest:
        changed = functools.reduce(
            pc.or_,
            [
                pc.is_null(joined.column("holding_id")),
                pc.fill_null(
                    pc.not_equal(joined.column("balance"), joined.column("prior_balance")), True
                ),
                differs("status", "held_status"),
                differs("opened_on", "held_opened_on"),
                differs("matures_on", "held_matures_on"),
            ],
        )
        joined = joined.filter(changed)
        # Holdings the file's good rows found, and those of its rejected rows.
        mentioned = pa.concat_arrays(
            [
                pc.drop_null(positions),
                pc.drop_null(
                    pc.index_in(
                        pa.array(checked.rejected_keys, pa.string()),
                        value_set=holdings.column("account_number").combine_chunks(),
                    )
                ),
            ]
        )
        everyone = pa.array(range(holdings.num_rows), pa.int32())
        missing = holdings.filter(
            pc.and_(
                pc.invert(pc.is_in(everyone, value_set=mentioned)),
                pc.greater(holdings.column("prior_balance"), 0),
            )
        )
    return _Comparison(
        staged=joined.select(list(_STAGED_HOLDING_COLUMNS)),
        missing=missing,
        holdings=holdings,
        status_changed=status_changed,
    )


def _load_holdings(
    day, next_day, checked: Checked, result: DayResult, current: pa.Table
) -> pa.Table:
    """Load the holdings file against the ``current`` holdings; returns them as they
    stood before (account numbers and ids): the other files' rows are resolved
    against them."""
    name = spec.HOLDINGS
    _add_rejects(result, name, checked.rejects)
    latest = next_day is None
    comparison = _compare_with_holdings(checked, current, latest)
    missing = comparison.missing
    bulk_insert_arrow(StagedHolding, comparison.staged)
    # Rejected rows whose account is readable: their holding's balance is left as it was.
    protected = sorted(set(checked.rejected_keys))
    bulk_insert(
        StagedHolding,
        ["row", "accepted", "account_number"],
        ((0, False, account) for account in protected),
    )
    _run(
        "UPDATE {staged_holding} SET holding_id = h.id FROM {holding} h "
        "WHERE h.account_number = {staged_holding}.account_number "
        "AND NOT {staged_holding}.accepted"
    )
    if latest:
        # Known holdings with a balance that the latest day's file does not mention.
        bulk_insert_arrow(
            StagedBalanceChange,
            pa.table(
                {
                    "holding_id": missing.column("holding_id"),
                    "balance": pa.array([0] * missing.num_rows, pa.int64()),
                }
            ),
        )
    # Only new accounts are looked up by customer number and product code.
    new_rows = "{staged_holding}.accepted AND {staged_holding}.holding_id IS NULL"
    _run(_RESOLVE_CUSTOMER.format(target="{staged_holding}") + " AND " + new_rows)
    _run(
        "UPDATE {staged_holding} SET product_id = p.id FROM {product} p "
        "WHERE p.code = {staged_holding}.product_code AND " + new_rows
    )
    rejects = _sql_rejects(
        name,
        "SELECT row, 'customer_number' FROM {staged_holding} "
        "WHERE accepted AND customer_id IS NULL",
        _("未知客户号"),
    )
    rejects += _sql_rejects(
        name,
        "SELECT row, 'product_code' FROM {staged_holding} "
        "WHERE accepted AND customer_id IS NOT NULL AND product_id IS NULL",
        _("未知产品代码"),
    )
    _run(
        "UPDATE {staged_holding} SET accepted = %(no)s "
        "WHERE accepted AND (customer_id IS NULL OR product_id IS NULL)",
        {"no": False},
    )
    _add_rejects(result, name, rejects)
    # A holding's details and current balance are those of the latest loaded day; a
    # late older day fills in history only.
    latest = next_day is None
    _run(
        """
        INSERT INTO {holding} (account_number, customer_id, product_id, opened_on,
                               matures_on, status, balance)
        SELECT account_number, customer_id, product_id, opened_on, matures_on, status,
               CASE WHEN %(latest)s THEN balance ELSE 0 END
        FROM {staged_holding} WHERE accepted AND holding_id IS NULL
        """,
        {"latest": latest},
    )
    if latest:
        bulk_insert_arrow(StagedCustomer, pa.table({"customer_id": comparison.status_changed}))
    _run(
        """
        INSERT INTO {staged_customer} (customer_id)
        SELECT DISTINCT customer_id FROM {staged_holding} s
        WHERE accepted AND holding_id IS NULL AND NOT EXISTS (
            SELECT 1 FROM {staged_customer} c WHERE c.customer_id = s.customer_id)
        """
    )
    _run(
        "UPDATE {staged_holding} SET holding_id = h.id FROM {holding} h "
        "WHERE h.account_number = {staged_holding}.account_number "
        "AND {staged_holding}.holding_id IS NULL"
    )
    if latest:
        _run(
            """
            UPDATE {holding} SET status = s.status, matures_on = s.matures_on,
                   opened_on = s.opened_on, balance = s.balance
            FROM {staged_holding} s
            WHERE s.holding_id = {holding}.id AND s.accepted
              AND ({holding}.status <> s.status OR {holding}.balance <> s.balance
                   OR {holding}.opened_on <> s.opened_on
                   OR {holding}.matures_on <> s.matures_on
                   OR ({holding}.matures_on IS NULL) <> (s.matures_on IS NULL))
            """
        )
    result.files[name].loaded = checked.good.num_rows - len(rejects)
    _merge_balances(day, next_day)
    return comparison.holdings


def _merge_balances(day: dt.date, next_day: dt.date | None) -> None:
    """Make every holding's balance over ``[day, next_day)`` what the day's file says:
    the staged balance, zero for a holding missing from the file, unchanged for a
    holding whose row was rejected. Only holdings whose stored intervals differ are
    touched; neighbouring intervals with the same balance are joined."""
    params = {"day": day, "next": next_day, "yes": True, "no": False}
    if next_day is None:
        inside = "valid_from >= %(day)s"
    else:
        inside = "valid_from >= %(day)s AND valid_from < %(next)s"
    changed = "holding_id IN (SELECT holding_id FROM {change})"
    if next_day is None:
        # The latest day: what is stored for [day, ∞) is each holding's current balance
        # (its open interval), so the file was compared with the holdings themselves.
        _run(
            """
            INSERT INTO {change} (holding_id, balance)
            SELECT holding_id, balance FROM {staged_holding}
            WHERE accepted AND (prior_balance <> balance
                                OR (prior_balance IS NULL AND balance > 0))
            """
        )
        # (Holdings missing from the file were found with the file's columns and are
        # already in the change table, with a zero balance.)
    else:
        # Holdings to change: a balance not already stored for the whole range ...
        _run(
            """
            INSERT INTO {change} (holding_id, balance)
            SELECT s.holding_id, s.balance FROM {staged_holding} s
            WHERE s.accepted AND s.balance > 0 AND NOT EXISTS (
                SELECT 1 FROM {interval} i WHERE i.holding_id = s.holding_id
                AND i.valid_from <= %(day)s AND i.balance = s.balance
                AND (i.valid_to IS NULL OR i.valid_to >= %(next)s))
            """,
            params,
        )
        # ... and stored balances in the range where the file says zero or nothing
        # (two index ranges rather than one OR, which would scan every interval).
        for ending in ("i.valid_to IS NULL", "i.valid_to > %(day)s"):
            _run(
                f"""
                INSERT INTO {{change}} (holding_id, balance)
                SELECT DISTINCT i.holding_id, 0 FROM {{interval}} i
                WHERE {ending} AND i.valid_from < %(next)s AND NOT EXISTS (
                    SELECT 1 FROM {{staged_holding}} s WHERE s.holding_id = i.holding_id
                    AND (s.accepted = %(no)s OR s.balance > 0))
                AND NOT EXISTS (SELECT 1 FROM {{change}} c WHERE c.holding_id = i.holding_id)
                """,
                params,
            )
    if next_day is not None:
        # The part after the range keeps its balance.
        _run(
            f"""
            INSERT INTO {{interval}} (holding_id, valid_from, valid_to, balance)
            SELECT i.holding_id, %(next)s, i.valid_to, i.balance FROM {{interval}} i
            WHERE i.{changed} AND i.valid_from < %(next)s
              AND (i.valid_to IS NULL OR i.valid_to > %(next)s)
            """,
            params,
        )
    # The part before the range ends where the range starts; what lies inside goes.
    _run(
        f"""
        UPDATE {{interval}} SET valid_to = %(day)s
        WHERE {changed} AND valid_from < %(day)s
          AND (valid_to IS NULL OR valid_to > %(day)s)
        """,
        params,
    )
    _run(f"DELETE FROM {{interval}} WHERE {changed} AND {inside}", params)
    _run(
        """
        INSERT INTO {interval} (holding_id, valid_from, valid_to, balance)
        SELECT holding_id, %(day)s, %(next)s, balance FROM {change} WHERE balance > 0
        """,
        params,
    )
    # Join equal neighbours across the range's ends: at its end first, then its start.
    for boundary in (next_day, day):
        if boundary is not None:
            _join_at(boundary, changed)
    if next_day is None:
        # A holding missing from the latest day's file holds nothing now.
        _run(
            """
            UPDATE {holding} SET balance = 0
            WHERE id IN (SELECT holding_id FROM {change} WHERE balance = 0) AND balance <> 0
            """
        )


def _join_at(boundary: dt.date, changed: str) -> None:
    """Where an interval of a changed holding ends at ``boundary`` and the next one
    starts there with the same balance, make them one."""
    params = {"boundary": boundary}
    _run(
        f"""
        UPDATE {{interval}} SET valid_to = (
            SELECT r.valid_to FROM {{interval}} r
            WHERE r.holding_id = {{interval}}.holding_id AND r.valid_from = %(boundary)s)
        WHERE {changed} AND valid_to = %(boundary)s AND EXISTS (
            SELECT 1 FROM {{interval}} r WHERE r.holding_id = {{interval}}.holding_id
            AND r.valid_from = %(boundary)s AND r.balance = {{interval}}.balance)
        """,
        params,
    )
    # The interval that started at the boundary now lies inside the joined one.
    _run(
        f"""
        DELETE FROM {{interval}} WHERE {changed} AND valid_from = %(boundary)s AND EXISTS (
            SELECT 1 FROM {{interval}} l WHERE l.holding_id = {{interval}}.holding_id
            AND l.valid_from < %(boundary)s
            AND (l.valid_to IS NULL OR l.valid_to > %(boundary)s))
        """,
        params,
    )


def _load_transactions(
    day: dt.date, checked: Checked, result: DayResult, holdings: pa.Table
) -> None:
    name = spec.TRANSACTIONS
    _add_rejects(result, name, checked.rejects)
    joined, _positions = _with_holdings(checked.good, holdings, ["holding_id", "customer_id"])
    bulk_insert_arrow(
        StagedTransaction,
        joined.select(
            [
                "row",
                "transaction_id",
                "account_number",
                "booked_on",
                "amount",
                "direction",
                "channel",
                "counterparty_kind",
                "holding_id",
                "customer_id",
            ]
        ),
    )
    # Accounts opened by today's holdings file were not among the holdings fetched.
    _run(
        "UPDATE {staged_transaction} SET holding_id = h.id, customer_id = h.customer_id "
        "FROM {holding} h WHERE h.account_number = {staged_transaction}.account_number "
        "AND {staged_transaction}.holding_id IS NULL"
    )
    _add_rejects(
        result,
        name,
        _sql_rejects(
            name,
            "SELECT row, 'account_number' FROM {staged_transaction} WHERE holding_id IS NULL",
            _("未知账号"),
        ),
    )
    threshold = int(settings.KEWEI_LARGE_MOVEMENT_YUAN) * 100
    _run(
        """
        INSERT INTO {transaction} (transaction_id, holding_id, customer_id, booked_on, amount,
            direction, channel, counterparty_kind, is_large, feed_day)
        SELECT s.transaction_id, s.holding_id, s.customer_id, s.booked_on, s.amount,
            s.direction, s.channel, s.counterparty_kind,
            CASE WHEN s.amount >= %(threshold)s THEN %(yes)s ELSE %(no)s END, %(day)s
        FROM {staged_transaction} s
        WHERE s.holding_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM {transaction} t WHERE t.transaction_id = s.transaction_id)
        """,
        {"threshold": threshold, "day": day, "yes": True, "no": False},
    )
    result.files[name].loaded = _fetch(
        "SELECT COUNT(*) FROM {staged_transaction} WHERE holding_id IS NOT NULL"
    )[0][0]


def _load_events(day: dt.date, checked: Checked, result: DayResult) -> None:
    name = spec.EVENTS
    _add_rejects(result, name, checked.rejects)
    _stage(
        StagedEvent,
        checked,
        {
            "row": "row",
            "event_id": "event_id",
            "event_type": "event_type",
            "customer_number": "customer_number",
            "account_number": "account_number",
            "product_code": "product_code",
            "occurred_on": "occurred_on",
            "amount": "amount",
        },
    )
    _run(_RESOLVE_CUSTOMER.format(target="{staged_event}"))
    _run(
        "UPDATE {staged_event} SET holding_id = h.id, product_id = h.product_id "
        "FROM {holding} h WHERE h.account_number = {staged_event}.account_number"
    )
    _run(
        "UPDATE {staged_event} SET product_id = p.id FROM {product} p "
        "WHERE p.code = {staged_event}.product_code"
    )
    rejects = _sql_rejects(
        name,
        "SELECT row, 'customer_number' FROM {staged_event} WHERE customer_id IS NULL",
        _("未知客户号"),
    )
    rejects += _sql_rejects(
        name,
        "SELECT row, 'account_number' FROM {staged_event} "
        "WHERE customer_id IS NOT NULL AND account_number <> '' AND holding_id IS NULL",
        _("未知账号"),
    )
    rejects += _sql_rejects(
        name,
        "SELECT row, 'product_code' FROM {staged_event} WHERE customer_id IS NOT NULL "
        "AND (account_number = '' OR holding_id IS NOT NULL) "
        "AND product_code <> '' AND product_id IS NULL",
        _("未知产品代码"),
    )
    _add_rejects(result, name, rejects)
    good = (
        "s.customer_id IS NOT NULL AND (s.account_number = '' OR s.holding_id IS NOT NULL) "
        "AND (s.product_code = '' OR s.product_id IS NOT NULL)"
    )
    _run(
        f"""
        INSERT INTO {{event}} (event_id, kind, customer_id, holding_id, product_id,
                               occurred_on, amount, feed_day)
        SELECT s.event_id, s.event_type, s.customer_id, s.holding_id, s.product_id,
               s.occurred_on, s.amount, %(day)s
        FROM {{staged_event}} s
        WHERE {good} AND NOT EXISTS (SELECT 1 FROM {{event}} e WHERE e.event_id = s.event_id)
        """,
        {"day": day},
    )
    result.files[name].loaded = _fetch(f"SELECT COUNT(*) FROM {{staged_event}} s WHERE {good}")[0][
        0
    ]


def coverage_counted(customers: str) -> str:
    """SQL of the product coverage of the customers in ``customers`` (a table, or a
    subquery in parentheses, of ``customer_id``): ``(customer_id, categories)``, the
    distinct categories of their open holdings, 0 for a customer holding none. Takes the
    parameter ``%(open)s`` (``HoldingStatus.OPEN``); for ``derived.coverage_refresh``."""
    tables = _SQL.names()
    return f"""
            SELECT c.customer_id, COUNT(DISTINCT p.category) AS categories
            FROM {customers} c
            LEFT JOIN {tables["holding"]} h
                   ON h.customer_id = c.customer_id AND h.status = %(open)s
            LEFT JOIN {tables["product"]} p ON p.id = h.product_id
            GROUP BY c.customer_id
    """


def _update_coverage() -> None:
    """Recount the product categories held by customers whose holdings changed."""
    coverage_refresh(
        counted=coverage_counted(_SQL.names()["staged_customer"]),
        params={"open": HoldingStatus.OPEN},
    )


def _record_day(day: dt.date, manifest_hash: str, result: DayResult) -> None:
    feed_day, created = FeedDay.objects.get_or_create(
        day=day, defaults={"manifest_sha256": manifest_hash}
    )
    if not created:
        feed_day.loads += 1
        feed_day.manifest_sha256 = manifest_hash
        feed_day.loaded_at = timezone.now()
    feed_day.counts = {name: vars(counts) for name, counts in result.files.items()}
    feed_day.rejected = result.rejected
    feed_day.save()
    FeedReject.objects.filter(feed_day=feed_day).delete()
    bulk_insert(
        FeedReject,
        ["feed_day_id", "file", "row", "column", "reason"],
        ((feed_day.pk, r.file, r.row, r.column, r.reason[:200]) for r in result.rejects),
    )


def _refresh_assets(day: dt.date, next_day: dt.date | None) -> None:
    """The customers' current AUM when the day is the latest loaded (only customers
    whose balances changed), and the monthly assets of every complete month whose days
    this load changed. A month in progress is not stored: its month-to-date average is
    computed when asked (``selectors.average_daily_aum``)."""
    first, last = first_feed_day(), latest_feed_day()
    if next_day is None:
        _update_current_aum()
    changed_until = (next_day - dt.timedelta(days=1)) if next_day else day
    month = month_start(day)
    while month <= changed_until:
        if next_month(month) <= last + dt.timedelta(days=1):
            month_assets_rebuild(month=month, start=max(month, first), end=next_month(month))
        month = next_month(month)


def month_assets_rebuild(
    *, month: dt.date, start: dt.date, end: dt.date, customer_ids: list[int] | None = None
) -> None:
    """Recompute :class:`AssetsMonth` rows of ``month`` over the days ``[start, end)``
    (of everyone, or of ``customer_ids``), set-based."""
    rows = AssetsMonth.objects.unrestricted().filter(month=month)
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    rows._raw_delete(rows.db)
    expr = assets_of_window(start, end, customer_ids=customer_ids)
    expr = expr.mutate(month=ibis.literal(month), as_of=ibis.literal(end - dt.timedelta(days=1)))
    runner.insert_into(
        AssetsMonth._meta.db_table,
        [
            "customer_id",
            "month",
            "as_of",
            "days",
            "aum_average",
            "aum_end",
            "loan_average",
            "loan_end",
        ],
        expr,
    )


def _update_current_aum() -> None:
    """Set the current AUM (元, ``customers.CustomerAssets``) of the customers whose
    balances changed to the sum of the current balances of their deposit and investment
    holdings, and their search copy in whole 万元 where the assets cross a 万元: the sum
    is the feed's, the writes are ``customers.services.derived.assets_refresh``'s."""
    categories = ", ".join(f"'{category}'" for category in AUM_CATEGORIES)  # constants
    tables = _SQL.names()
    holding, product = tables["holding"], tables["product"]
    fen = f"""
            SELECT touched.customer_id,
                   CAST(COALESCE(SUM(CASE WHEN p.category IN ({categories})
                                          THEN h.balance ELSE 0 END), 0) AS BIGINT) AS fen
            FROM (SELECT DISTINCT h.customer_id FROM {tables["change"]} c
                  JOIN {holding} h ON h.id = c.holding_id) touched
            LEFT JOIN {holding} h ON h.customer_id = touched.customer_id
            LEFT JOIN {product} p ON p.id = h.product_id
            GROUP BY touched.customer_id
    """
    # (``StagedAssets`` is the scratch table: the customers' app fills it, analyses it
    # and writes the assets and the 万元 copies that cross from it.)
    assets_refresh(fen=fen, staging=StagedAssets)


def write_rejects(result: DayResult, path: Path | None = None) -> Path:
    """The day's rejects as CSV (UTF-8 with BOM, so Excel opens it in Chinese)."""
    import csv

    from kewei.core.xlsx import neutralise

    if path is None:
        path = Path(settings.VAR_DIR) / "feed" / f"rejects-{result.day.isoformat()}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("文件"), _("行号"), _("列"), _("原因")])
        for reject in result.rejects:
            writer.writerow([reject.file, reject.row, reject.column, neutralise(reject.reason)])
    return path
