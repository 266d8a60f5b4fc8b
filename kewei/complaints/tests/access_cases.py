from django.urls import reverse

from kewei.testing.access import AccessCase

MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
ADMIN, SUPERVISOR_A1 = (lambda b: b.admin), (lambda b: b.supervisor_a1)
HEAD_B1 = lambda b: b.head_b1  # noqa: E731


def _complaint(name):
    def url(bank):
        from kewei.complaints.services import ComplaintData, complaint_record

        complaint = complaint_record(
            actor=bank.teller_a1,
            data=ComplaintData(
                channel="counter",
                category="service",
                severity="normal",
                description="态度不好",
                department=bank.outlet_a1,
                customer=bank.customer_a1,
            ),
        )
        return reverse(f"complaints:{name}", args=[complaint.pk])

    return url


CASES = [
    AccessCase(
        "complaints:complaint_settings",
        lambda b: reverse("complaints:complaint_settings"),
        allowed=lambda b: b.retail_a,
        denied=SUPERVISOR_A1,
        denied_status=403,
    ),
    AccessCase(
        "complaints:complaint_list",
        lambda b: reverse("complaints:complaint_list"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "complaints:complaint_create",
        lambda b: reverse("complaints:complaint_create"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    # Another branch's customer is not found, by search or by pick.
    AccessCase(
        "complaints:customer_lookup",
        lambda b: reverse("complaints:customer_lookup") + f"?pick={b.customer_a1.pk}",
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "complaints:customer_lookup",
        lambda b: reverse("complaints:customer_lookup") + "?customer_q=张",
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "complaints:complaint_stats",
        lambda b: reverse("complaints:complaint_stats"),
        allowed=SUPERVISOR_A1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    # Another branch's complaint is not found.
    AccessCase(
        "complaints:complaint_detail",
        _complaint("complaint_detail"),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "complaints:complaint_act",
        _complaint("complaint_act"),
        method="post",
        data=lambda b: {"action": "respond", "told_customer": "已致歉"},
        allowed=SUPERVISOR_A1,
        denied=HEAD_B1,
        allowed_status=302,
    ),
    AccessCase(
        "complaints:complaint_reassign",
        _complaint("complaint_reassign"),
        method="post",
        data=lambda b: {"owner": b.head_a1.pk, "note": "转网点负责人"},
        allowed=SUPERVISOR_A1,
        denied=MANAGER_A1,
        denied_status=403,
        allowed_status=302,
    ),
]
