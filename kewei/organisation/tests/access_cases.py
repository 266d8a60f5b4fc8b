from django.urls import reverse

from kewei.testing.access import AccessCase


def _dept(name):
    return lambda b: reverse(f"organisation:{name}", args=[b.outlet_a1.pk])


def _staff(name):
    return lambda b: reverse(f"organisation:{name}", args=[b.manager_a1.pk])


CASES = [
    # Reading the organisation: an outlet head sees their outlet; another outlet's head
    # finds nothing there (404); a teller has no permission (403).
    AccessCase(
        "organisation:department_list",
        lambda b: reverse("organisation:department_list"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.teller_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:department_detail",
        _dept("department_detail"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.head_b1,
    ),
    AccessCase(
        "organisation:department_detail",
        _dept("department_detail"),
        allowed=lambda b: b.retail_a,
        denied=lambda b: b.teller_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:staff_list",
        lambda b: reverse("organisation:staff_list"),
        allowed=lambda b: b.supervisor_a1,
        denied=lambda b: b.manager_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:staff_detail",
        _staff("staff_detail"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.head_b1,
    ),
    # Changing it is the administrator's; an outlet head may not (403).
    AccessCase(
        "organisation:department_create",
        lambda b: reverse("organisation:department_create"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.head_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:department_rename",
        _dept("department_rename"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.head_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:department_rename",
        _dept("department_rename"),
        method="post",
        data=lambda b: {"name": "改名网点"},
        allowed=lambda b: b.admin,
        denied=lambda b: b.head_b1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "organisation:department_move",
        _dept("department_move"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.retail_a,
        denied_status=403,
    ),
    AccessCase(
        "organisation:department_close",
        lambda b: reverse("organisation:department_close", args=[b.outlet_a2.pk]),
        method="post",
        allowed=lambda b: b.admin,
        denied=lambda b: b.head_a1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "organisation:staff_create",
        lambda b: reverse("organisation:staff_create"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.head_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:staff_update",
        _staff("staff_update"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.auditor,
        denied_status=403,
    ),
    AccessCase(
        "organisation:staff_password",
        _staff("staff_password"),
        allowed=lambda b: b.admin,
        denied=lambda b: b.head_a1,
        denied_status=403,
    ),
    AccessCase(
        "organisation:staff_unlock",
        _staff("staff_unlock"),
        method="post",
        allowed=lambda b: b.admin,
        denied=lambda b: b.supervisor_a1,
        denied_status=403,
        allowed_status=302,
    ),
]
