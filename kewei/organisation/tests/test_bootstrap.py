from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kewei.audit.models import AuditEvent
from kewei.organisation.models import Staff

ARGS = dict(
    head_office_code="000000",
    head_office_name="总行",
    username="it_admin",
    employee_number="A0001",
    full_name="信息科技部管理员",
    password_stdin=True,
)


def test_bootstrap_creates_head_office_and_admin(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("Strong#Passw0rd!\n"))
    call_command("bootstrap", **ARGS, stdout=StringIO())
    admin = Staff.objects.get(username="it_admin")
    assert admin.role_codes == {"system_admin"}
    assert admin.check_password("Strong#Passw0rd!")
    assert admin.has_perm("organisation.add_staff")
    assert AuditEvent.objects.filter(action="organisation.staff.create").count() == 1


def test_bootstrap_refuses_weak_password_and_writes_nothing(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("123\n"))
    with pytest.raises(CommandError):
        call_command("bootstrap", **ARGS, stdout=StringIO())
    assert not Staff.objects.exists()


def test_bootstrap_runs_once(bank, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("Strong#Passw0rd!\n"))
    with pytest.raises(CommandError, match="总行已存在"):
        call_command("bootstrap", **ARGS, stdout=StringIO())
