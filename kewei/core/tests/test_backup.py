"""``kewei backup`` / ``kewei restore``: a backup restored into a fresh database holds
every customer (their encrypted fields readable with the keys), every ledger entry and
every audit row; a non-empty database is not overwritten without ``--force``."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections

from kewei.audit.models import AuditEvent
from kewei.core import crypto
from kewei.core.backup import database_restore
from kewei.customers.models import Customer
from kewei.points.models import EntryKind, PointsEntry
from kewei.testing import factories


def _data(bank) -> dict[str, list]:
    """Customers with personal fields, ledger entries and audit rows, as the database
    holds them."""
    for number, customer in enumerate([bank.customer_a1, bank.customer_b1], start=1):
        PointsEntry.objects.create(
            customer=customer,
            kind=EntryKind.EARN,
            points=100 * number,
            occurred_on=dt.date(2026, 11, 30),
            expires_on=dt.date(2028, 12, 31),
            reason="测试",
            idempotency_key=f"backup-{number}",
        )
    return {
        "customers": sorted(
            (c.customer_number, c.id_number, c.mobile, c.address, c.email)
            for c in Customer.objects.unrestricted()
        ),
        "entries": sorted(
            PointsEntry.objects.values_list("customer_id", "points", "idempotency_key")
        ),
        "audit": sorted(AuditEvent.objects.values_list("id", "action", "subject_id")),
    }


def _restored(rows_of) -> dict[str, list]:
    """The same data read from a restored database, through ``rows_of(sql)``, the
    encrypted fields decrypted with the installation's keys."""
    customer_table = Customer._meta.db_table
    customers = [
        (number, *(crypto.decrypt(value) if value else value for value in personal))
        for number, *personal in rows_of(
            f"SELECT customer_number, id_number, mobile, address, email FROM {customer_table}"  # noqa: S608
        )
    ]
    return {
        "customers": sorted(customers),
        "entries": sorted(
            tuple(row)
            for row in rows_of(
                f"SELECT customer_id, points, idempotency_key FROM {PointsEntry._meta.db_table}"  # noqa: S608
            )
        ),
        "audit": sorted(
            tuple(row)
            for row in rows_of(f"SELECT id, action, subject_id FROM {AuditEvent._meta.db_table}")  # noqa: S608
        ),
    }


@pytest.mark.django_db(transaction=True)  # the backup API copies what is committed
@pytest.mark.sqlite  # the SQLite backup API
def test_a_sqlite_backup_restores_into_a_fresh_database(bank, tmp_path):
    # given
    expected = _data(bank)
    assert len(expected["customers"]) >= 3 and len(expected["audit"]) >= 3
    backup = tmp_path / "kewei.sqlite3.bak"
    # when
    call_command("backup", "--output", str(backup))
    fresh = tmp_path / "fresh.sqlite3"
    target = connections.create_connection("default")
    target.settings_dict = {**target.settings_dict, "NAME": str(fresh)}
    try:
        database_restore(source=backup, using=target)
    finally:
        target.close()
    # then
    with sqlite3.connect(fresh) as restored:
        assert _restored(lambda sql: restored.execute(sql).fetchall()) == expected
    # and the personal fields are not in clear in the backup
    id_number = expected["customers"][0][1]
    assert id_number.encode() not in backup.read_bytes()


@pytest.mark.django_db
@pytest.mark.sqlite  # the SQLite backup API
def test_restore_refuses_a_non_empty_database(bank, tmp_path, capsys):
    # given
    backup = tmp_path / "kewei.sqlite3.bak"
    backup.write_bytes(b"")
    customers = Customer.objects.unrestricted().count()
    # when
    with pytest.raises(SystemExit) as exit_:
        call_command("restore", str(backup))
    # then
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "数据库不为空，未恢复；确认要覆盖时加 --force / the database is not empty; "
        "nothing restored (add --force to replace it)\n"
    )
    assert Customer.objects.unrestricted().count() == customers


@pytest.mark.django_db
def test_backup_refuses_to_overwrite_a_file(tmp_path, capsys):
    # given
    existing = tmp_path / "old.bak"
    existing.write_bytes(b"keep")
    # when
    with pytest.raises(SystemExit) as exit_:
        call_command("backup", "--output", str(existing))
    # then
    assert exit_.value.code == 1
    assert capsys.readouterr().err == f"{existing} 已存在 / already exists\n"
    assert existing.read_bytes() == b"keep"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_into_a_fresh_database(tmp_path):
    # given: the data committed (pg_dump reads from another session)
    bank = factories.small_bank()
    expected = _data(bank)
    backup = tmp_path / "kewei.dump"
    call_command("backup", "--output", str(backup))
    fresh_name = f"kewei_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh_name}"')
    fresh = connections.create_connection("default")
    fresh.settings_dict = {**fresh.settings_dict, "NAME": fresh_name}
    try:
        # when
        database_restore(source=backup, using=fresh)

        # then
        def rows_of(sql):
            with fresh.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()

        assert _restored(rows_of) == expected
        # and a second restore into it is refused, then done with --force
        with pytest.raises(Exception, match="not empty"):
            database_restore(source=backup, using=fresh)
        database_restore(source=backup, using=fresh, force=True)
        assert _restored(rows_of) == expected
    finally:
        fresh.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh_name}" WITH (FORCE)')
