"""Sign-in attempts at one account arriving at the same moment, on PostgreSQL (SQLite
serialises every write): the lock-out counts each attempt before its password is
checked, so a burst checks no more passwords than the limit allows."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from kewei.audit.models import AuditEvent
from kewei.organisation.models import Staff
from kewei.testing.factories import PASSWORD, small_bank

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRONG = 29


class PasswordChecks:
    """Stands in for ``Staff.check_password``: counts the checks and holds each one
    until released, as a slow Argon2 verification would, then checks for real."""

    def __init__(self, original):
        self.original = original
        self.lock = threading.Lock()
        self.checked: list[str] = []
        self.release = threading.Event()

    def __call__(self, staff, raw_password):
        with self.lock:
            self.checked.append(raw_password)
        self.release.wait(timeout=30)
        return self.original(staff, raw_password)


def _wait_until(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_thirty_logins_at_once_check_at_most_the_limit_and_the_right_one_is_refused(
    monkeypatch,
):
    # given an account, and password checks that take as long as the test says
    small_bank()
    limit = settings.KEWEI_LOGIN_FAILURE_LIMIT
    checks = PasswordChecks(Staff.check_password)
    monkeypatch.setattr(Staff, "check_password", lambda staff, raw: checks(staff, raw))
    finished = []
    start = threading.Barrier(WRONG)

    def login(password, barrier=None):
        client = Client()
        try:
            if barrier is not None:
                barrier.wait()
            response = client.post(
                reverse("login"), {"username": "manager_a1", "password": password}
            )
            return response.status_code, response.content.decode(), dict(client.session)
        finally:
            finished.append(password)
            connection.close()

    with ThreadPoolExecutor(max_workers=WRONG + 1) as pool:
        # when 29 wrong passwords arrive together, their checks all still running ...
        wrong = [pool.submit(login, f"wrong-{n}", start) for n in range(WRONG)]
        _wait_until(lambda: len(checks.checked) + len(finished) >= WRONG)
        # ... and the right one comes last, before any wrong one has been answered
        right = pool.submit(login, PASSWORD)
        _wait_until(lambda: PASSWORD in checks.checked or PASSWORD in finished)
        checks.release.set()
        answers = [future.result() for future in wrong]
        status, page, session = right.result()

    # then only the limit's number of passwords were checked, all of them wrong ones
    assert len(checks.checked) == limit
    assert PASSWORD not in checks.checked
    # and the right password did not open the locked account
    assert status == 200
    assert "账户已锁定" in page
    assert "_auth_user_id" not in session
    assert all(code == 200 and "_auth_user_id" not in s for code, _page, s in answers)
    staff = Staff.objects.get(username="manager_a1")
    assert staff.failed_login_count == limit
    assert staff.is_locked()
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == limit
    assert AuditEvent.objects.filter(action="auth.locked").count() == 1
    assert not AuditEvent.objects.filter(action="auth.login").exists()
