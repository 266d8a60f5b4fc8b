"""Sign-in: Argon2 passwords (settings), lock-out per account after repeated failures.

An attempt takes its slot (counted as a failure) before its password is checked, so a
burst of attempts at one account checks at most the limit's number of passwords."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from kewei.organisation.models import Staff
from kewei.organisation.services import (
    staff_login_attempt,
    staff_login_failed,
    staff_login_succeeded,
)


class AccountLocked(PermissionDenied):
    """The account is locked after repeated failures; no password is checked."""


class StaffBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        staff = (
            Staff.objects.unrestricted()
            .select_related("department")
            .filter(username=username)
            .first()
        )
        if staff is None:
            # Same work as a real check, so timing does not reveal which usernames exist.
            Staff().set_password(password)
            return None
        if not staff_login_attempt(staff=staff):
            raise AccountLocked(username)
        if staff.check_password(password) and self.user_can_authenticate(staff):
            staff_login_succeeded(staff=staff)
            return staff
        if staff_login_failed(staff=staff):
            raise AccountLocked(username)
        return None

    def get_user(self, user_id):
        staff = Staff.objects.unrestricted().select_related("department").filter(pk=user_id).first()
        return staff if staff is not None and self.user_can_authenticate(staff) else None
