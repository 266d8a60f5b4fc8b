import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.core.bulk import bulk_insert, db_value

pytestmark = pytest.mark.django_db

COLUMNS = ["occurred_at", "actor_label", "action", "subject_id", "changes", "client_ip"]
FIXED = ["subject_type", "subject_label", "request_id", "note"]
COLUMNS += FIXED
BLANK = ("",) * len(FIXED)


def _rows(count: int, when: dt.datetime):
    for number in range(count):
        yield (when, "批量导入", "test.bulk", str(number), {"n": number}, "10.0.0.1", *BLANK)


def test_rows_are_written_in_blocks_with_their_values_converted():
    when = timezone.now().replace(microsecond=0)
    written = bulk_insert(AuditEvent, COLUMNS, _rows(5001, when))  # more than one block
    assert written == 5001
    events = AuditEvent.objects.filter(action="test.bulk")
    assert events.count() == 5001
    last = events.get(subject_id="5000")
    assert (last.occurred_at, last.changes, last.client_ip) == (when, {"n": 5000}, "10.0.0.1")


def test_prepared_columns_are_written_as_given():
    when = timezone.now().replace(microsecond=0)
    stamp = db_value(AuditEvent, "occurred_at", when)
    rows = [(stamp, "批量导入", "test.bulk", "1", '{"a": 1}', None, *BLANK)]
    bulk_insert(AuditEvent, COLUMNS, rows, prepared=["occurred_at", "changes"])
    event = AuditEvent.objects.get(action="test.bulk")
    assert (event.occurred_at, event.changes, event.client_ip) == (when, {"a": 1}, None)


@pytest.mark.parametrize("prepared", [(), ["occurred_at", "changes", "client_ip"]])
def test_a_row_of_the_wrong_width_is_refused(prepared):
    # Rows that need no conversion go to the database unchecked: it counts the values,
    # and its refusal is Django's error on both databases (COPY runs on psycopg's cursor).
    when = db_value(AuditEvent, "occurred_at", timezone.now()) if prepared else timezone.now()
    changes = "{}" if prepared else {}
    rows = [
        (when, "批量导入", "test.bulk", "1", changes, None, *BLANK),
        (when, "批量导入", "test.bulk", "2", changes, None, *BLANK[1:]),
    ]
    with pytest.raises(DatabaseError), transaction.atomic():
        bulk_insert(AuditEvent, COLUMNS, rows, prepared=prepared)
    assert not AuditEvent.objects.filter(action="test.bulk").exists()


def test_statements_over_thousands_of_values_run_a_block_at_a_time():
    from django.db import connection

    from kewei.core.bulk import execute_in, values_in

    bulk_insert(AuditEvent, COLUMNS, _rows(5003, timezone.now()))
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    events = AuditEvent.objects.filter(action="test.bulk").order_by("pk")
    ids = list(events.values_list("pk", flat=True))  # the first is subject "0"
    # A statement that gives no rows (two blocks of 5,000 and 2 values) ...
    copied = execute_in(
        f"INSERT INTO {table} (occurred_at, actor_label, action, subject_type, subject_id, "  # noqa: S608
        "subject_label, request_id, changes, note) SELECT occurred_at, actor_label, "
        "'test.copied', subject_type, subject_id, subject_label, request_id, changes, note "
        f"FROM {table} WHERE id IN ({{values}})",
        ids[1:],
    )
    assert copied == []
    assert AuditEvent.objects.filter(action="test.copied").count() == 5002
    # ... and a query, whose rows come from every block.
    numbers = [str(n) for n in range(5003)] + ["none such"]
    found = values_in(AuditEvent, ["subject_id", "action"], "subject_id", numbers)
    expected = [("0", "test.bulk")]
    for n in range(1, 5003):
        expected += [(str(n), "test.bulk"), (str(n), "test.copied")]
    assert sorted(found) == sorted(expected)
