from django.urls import reverse

from kewei.audit.services import audit_record
from kewei.testing.access import AccessCase


def _event_url(bank):
    event = audit_record(
        actor=bank.admin, action="organisation.staff.update", subject=bank.manager_a1
    )
    return reverse("audit:event_detail", args=[event.pk])


# The auditor reads the trail; nobody else does, not even the administrator.
CASES = [
    AccessCase(
        "audit:event_list",
        lambda b: reverse("audit:event_list"),
        allowed=lambda b: b.auditor,
        denied=lambda b: b.admin,
        denied_status=403,
    ),
    AccessCase(
        "audit:event_detail",
        _event_url,
        allowed=lambda b: b.auditor,
        denied=lambda b: b.head_a1,
        denied_status=403,
    ),
    AccessCase(
        "audit:event_export",
        lambda b: reverse("audit:event_export"),
        method="post",
        allowed=lambda b: b.auditor,
        denied=lambda b: b.admin,
        denied_status=403,
        allowed_status=302,
    ),
]
