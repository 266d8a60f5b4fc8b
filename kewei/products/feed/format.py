"""The daily feed's file format (日终数据文件格式), version 1. Documented for the core
system's team in ``docs/daily-feed.md``; sample files in ``samples/feed/``.

One directory per business day holds ``manifest.json`` and four CSV files with a header
row. Columns are named in English; their order does not matter; unknown columns are
ignored. Dates are ``YYYY-MM-DD`` (``YYYYMMDD`` is accepted); amounts are yuan with at
most two decimals, no thousands separators.
"""

from __future__ import annotations

from dataclasses import dataclass

from kewei.products.models import (
    Channel,
    CounterpartyKind,
    Direction,
    EventKind,
    HoldingStatus,
)

FORMAT = "kewei-daily-feed/1"
MANIFEST = "manifest.json"
CUSTOMERS = "customers.csv"
HOLDINGS = "holdings.csv"
TRANSACTIONS = "transactions.csv"
EVENTS = "events.csv"
FILES = (CUSTOMERS, HOLDINGS, TRANSACTIONS, EVENTS)
ENCODINGS = {"utf-8": "utf8", "utf-8-sig": "utf8", "gbk": "gb18030", "gb18030": "gb18030"}

# Amounts: yuan, up to 13 integer digits (under 10 万亿) and 2 decimals.
AMOUNT_PATTERN = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | date | amount | positive_amount | choice
    required: bool = True
    max_length: int = 40
    choices: tuple[str, ...] = ()
    default: str = ""


HOLDING_COLUMNS = (
    Column("account_number"),
    Column("customer_number", max_length=20),
    Column("product_code", max_length=30),
    Column("opened_on", "date"),
    Column("matures_on", "date", required=False),
    Column(
        "status",
        "choice",
        required=False,
        choices=tuple(HoldingStatus.values),
        default=HoldingStatus.OPEN,
    ),
    Column("balance", "amount"),
)
TRANSACTION_COLUMNS = (
    Column("transaction_id"),
    Column("account_number"),
    Column("booked_on", "date"),
    Column("amount", "positive_amount"),
    Column("direction", "choice", choices=tuple(Direction.values)),
    Column("channel", "choice", choices=tuple(Channel.values)),
    Column("counterparty_kind", "choice", choices=tuple(CounterpartyKind.values)),
)
EVENT_COLUMNS = (
    Column("event_id"),
    # Kewei's own events (a referral reward) never come from the core system.
    Column(
        "event_type",
        "choice",
        choices=tuple(k for k in EventKind.values if k != EventKind.REFERRAL_REWARD),
    ),
    Column("customer_number", max_length=20),
    Column("account_number", required=False),
    Column("product_code", required=False, max_length=30),
    Column("occurred_on", "date"),
    Column("amount", "amount", required=False),
)
COLUMNS = {HOLDINGS: HOLDING_COLUMNS, TRANSACTIONS: TRANSACTION_COLUMNS, EVENTS: EVENT_COLUMNS}
# Each file's key: a second row with the same key is rejected as a duplicate.
KEYS = {HOLDINGS: "account_number", TRANSACTIONS: "transaction_id", EVENTS: "event_id"}
# The customers file has the columns of the customer import (``customers.importing``),
# English or Chinese headers, and must carry ``customer_number``. As Kewei writes it:
CUSTOMER_FILE_COLUMNS = (
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
