import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from kewei.audit.models import AuditEvent
from kewei.organisation import services
from kewei.organisation.models import Staff
from kewei.testing.factories import PASSWORD


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_right_password(client, bank):
    response = _login(client, "manager_a1", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="auth.login", actor_id=bank.manager_a1.pk).exists()


def test_wrong_password_is_counted_and_audited(client, bank):
    response = _login(client, "manager_a1", "wrong-password")
    assert response.status_code == 200
    assert "登录名或密码不正确" in response.content.decode()
    assert Staff.objects.get(username="manager_a1").failed_login_count == 1
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_account_locks_after_limit_even_from_different_addresses(client, bank):
    limit = settings.KEWEI_LOGIN_FAILURE_LIMIT
    for attempt in range(limit):
        client.post(
            reverse("login"),
            {"username": "manager_a1", "password": "nope"},
            REMOTE_ADDR=f"10.0.0.{attempt + 1}",
        )
    staff = Staff.objects.get(username="manager_a1")
    assert staff.is_locked()
    # the right password no longer opens it
    response = _login(client, "manager_a1", PASSWORD)
    assert response.status_code == 200
    assert "账户已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked").count() == 1


def test_lock_expires(client, bank):
    Staff.objects.filter(pk=bank.manager_a1.pk).update(
        failed_login_count=5, locked_until=timezone.now() - dt.timedelta(seconds=1)
    )
    response = _login(client, "manager_a1", PASSWORD)
    assert response.status_code == 302
    staff = Staff.objects.get(pk=bank.manager_a1.pk)
    assert (staff.failed_login_count, staff.locked_until) == (0, None)


def test_administrator_unlocks(bank):
    Staff.objects.filter(pk=bank.manager_a1.pk).update(
        failed_login_count=5, locked_until=timezone.now() + dt.timedelta(minutes=30)
    )
    services.staff_unlock(actor=bank.admin, staff=bank.manager_a1)
    assert not Staff.objects.get(pk=bank.manager_a1.pk).is_locked()
    assert AuditEvent.objects.filter(action="organisation.staff.unlock").count() == 1


def test_inactive_staff_cannot_log_in(client, bank):
    Staff.objects.filter(pk=bank.manager_a1.pk).update(is_active=False)
    response = _login(client, "manager_a1", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_unknown_username_fails_plainly(client, bank):
    response = _login(client, "nobody", PASSWORD)
    assert "登录名或密码不正确" in response.content.decode()


def test_session_expires_after_thirty_idle_minutes(client, bank):
    _login(client, "manager_a1", PASSWORD)
    client.get(reverse("home"))
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert client.session.get_expiry_age() == 30 * 60


@pytest.mark.parametrize("path", ["/", "/org/departments/", "/audit/"])
def test_pages_need_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
