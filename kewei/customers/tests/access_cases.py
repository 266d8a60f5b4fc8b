from django.urls import reverse

from kewei.customers.models import SavedSearch
from kewei.jobs.models import JobRun, JobStatus
from kewei.testing.access import AccessCase


def _customer(name, **kwargs):
    return lambda b: reverse(f"customers:{name}", kwargs={"pk": b.customer_a1.pk, **kwargs})


def _saved(name):
    def url(bank):
        saved = SavedSearch.objects.create(
            name="本月生日",
            owner=bank.supervisor_a1,
            department=bank.outlet_a1,
            params={"birth_month": 5},
        )
        return reverse(f"customers:{name}", args=[saved.pk])

    return url


def _import_run(name):
    def url(bank):
        run = JobRun.objects.create(
            kind="customers.import",
            started_by=bank.head_a1,
            status=JobStatus.SUCCEEDED,
            params={"file": "imports/x.csv", "dry_run": True},
            result={"dry_run": True, "file": "imports/x.csv", "imported": 1, "errors": []},
        )
        return reverse(f"customers:{name}", args=[run.pk])

    return url


def _family_remove(bank):
    from kewei.customers.services import family_member_add

    member = family_member_add(
        actor=None, customer=bank.customer_a1, relation="child", name="张小三"
    )
    return reverse("customers:family_remove", args=[bank.customer_a1.pk, member.pk])


MANAGER_A1, MANAGER_B1 = (lambda b: b.manager_a1), (lambda b: b.manager_b1)
AUDITOR, ADMIN = (lambda b: b.auditor), (lambda b: b.admin)

CASES = [
    # The search engine and lists: business roles only; the administrator sees no customers.
    AccessCase(
        "customers:customer_search",
        lambda b: reverse("customers:customer_search"),
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "customers:customer_create",
        lambda b: reverse("customers:customer_create"),
        allowed=lambda b: b.teller_a1,
        denied=AUDITOR,
        denied_status=403,
    ),
    AccessCase(
        "customers:customer_export",
        lambda b: reverse("customers:customer_export"),
        method="post",
        allowed=lambda b: b.supervisor_a1,
        denied=MANAGER_A1,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "customers:saved_search_create",
        lambda b: reverse("customers:saved_search_create"),
        method="post",
        data=lambda b: {"name": "我的查询", "text": "zs"},
        allowed=MANAGER_A1,
        denied=ADMIN,
        denied_status=403,
        allowed_status=302,
    ),
    AccessCase(
        "customers:saved_search_open",
        _saved("saved_search_open"),
        allowed=lambda b: b.supervisor_a1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:saved_search_delete",
        _saved("saved_search_delete"),
        method="post",
        allowed=lambda b: b.supervisor_a1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:book_transfer",
        lambda b: reverse("customers:book_transfer"),
        allowed=lambda b: b.head_a1,
        denied=MANAGER_A1,
        denied_status=403,
    ),
    AccessCase(
        "customers:customer_import",
        lambda b: reverse("customers:customer_import"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.teller_a1,
        denied_status=403,
    ),
    AccessCase(
        "customers:import_detail",
        _import_run("import_detail"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.head_b1,
    ),
    AccessCase(
        "customers:import_confirm",
        _import_run("import_confirm"),
        method="post",
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.head_b1,
        allowed_status=302,
    ),
    # One customer: in manager_a1's book; manager_b1 (same permissions) finds nothing.
    AccessCase(
        "customers:customer_detail",
        _customer("customer_detail"),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "customers:customer_detail",
        _customer("customer_detail"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.head_b1,
    ),
    AccessCase(
        "customers:customer_detail",
        _customer("customer_detail"),
        allowed=lambda b: b.retail_a,
        denied=ADMIN,
        denied_status=403,
    ),
    AccessCase(
        "customers:customer_update",
        _customer("customer_update"),
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "customers:customer_profile",
        _customer("customer_profile"),
        allowed=lambda b: b.teller_a1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "customers:customer_reveal",
        _customer("customer_reveal"),
        method="post",
        data=lambda b: {"field": "mobile", "reason": "回访客户"},
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
    ),
    AccessCase(
        "customers:customer_reveal",
        _customer("customer_reveal"),
        method="post",
        data=lambda b: {"field": "mobile", "reason": "回访客户"},
        allowed=MANAGER_A1,
        denied=lambda b: b.teller_a1,
        denied_status=403,
    ),
    AccessCase(
        "customers:customer_assign",
        _customer("customer_assign"),
        allowed=lambda b: b.supervisor_a1,
        denied=lambda b: b.head_b1,
    ),
    AccessCase(
        "customers:customer_merge",
        _customer("customer_merge"),
        allowed=lambda b: b.head_a1,
        denied=lambda b: b.head_b1,
    ),
    AccessCase(
        "customers:family_add",
        _customer("family_add"),
        method="post",
        data=lambda b: {"relation": "child", "name": "张小明"},
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:family_remove",
        _family_remove,
        method="post",
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:relationship_add",
        _customer("relationship_add"),
        method="post",
        data=lambda b: {"other_number": b.customer_a1_free.customer_number, "kind": "friend"},
        allowed=lambda b: b.head_a1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:household_join",
        _customer("household_join"),
        method="post",
        data=lambda b: {"other_number": b.customer_a1_free.customer_number},
        allowed=lambda b: b.head_a1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:referral_add",
        _customer("referral_add"),
        method="post",
        data=lambda b: {
            "referrer_number": b.customer_a1_free.customer_number,
            "referred_on": "2026-11-01",
        },
        allowed=lambda b: b.head_a1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:tags_update",
        _customer("tags_update"),
        method="post",
        data=lambda b: {"tags": "高尔夫 书法"},
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
    AccessCase(
        "customers:consent_update",
        _customer("consent_update"),
        method="post",
        data=lambda b: {"channel": "sms", "granted": "1"},
        allowed=MANAGER_A1,
        denied=MANAGER_B1,
        allowed_status=302,
    ),
]
