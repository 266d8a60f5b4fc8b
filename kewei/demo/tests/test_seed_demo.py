import datetime as dt
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kewei.core.money import yuan
from kewei.organisation.models import Department, Staff
from kewei.organisation.selectors import data_scope_for
from kewei.points.models import AccrualDay, PointsAccount
from kewei.points.services import points_verify
from kewei.products.models import AUM_CATEGORIES


def _snapshot():
    departments = list(Department.objects.values_list("code", "name", "path", "level"))
    staff = list(
        Staff.objects.order_by("username").values_list(
            "username", "employee_number", "full_name", "department__code", "work_phone"
        )
    )
    roles = sorted(Staff.groups.through.objects.values_list("staff__username", "group__name"))
    return departments, staff, roles


def _wipe():
    from django.apps import apps
    from django.db import connection

    from kewei.customers.models import Customer, CustomerAssignment
    from kewei.products.models import BusinessEvent, FeedDay, Holding, Transaction

    # The points ledger refuses DELETE on PostgreSQL (append-only); a test empties it.
    tables = [
        model._meta.db_table
        for model in apps.get_app_config("points").get_models(include_auto_created=True)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks left pending
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608  (model tables)
    from kewei.complaints.models import Complaint
    from kewei.customers.models import Referral
    from kewei.events.models import ClientEvent
    from kewei.messaging.models import Message, MessageBatch

    # Rows that protect customers or staff go first.
    for model in (Complaint, ClientEvent, Message, MessageBatch, Referral):
        rows = model.objects.all()
        (rows.unrestricted() if hasattr(rows, "unrestricted") else rows).delete()
    BusinessEvent.objects.all().delete()
    Transaction.objects.all().delete()
    Holding.objects.all().delete()
    FeedDay.objects.all().delete()
    CustomerAssignment.objects.all().delete()
    Customer.objects.all().delete()
    from kewei.api.models import ApiToken, ServiceAccount

    ApiToken.objects.all().delete()
    ServiceAccount.objects.all().delete()
    Staff.groups.through.objects.all().delete()
    Staff.objects.all().delete()


def _seed(seed=7):
    out = StringIO()
    call_command("seed_demo", customers=10, days=5, seed=seed, no_progress=True, stdout=out)
    return out.getvalue()


def test_seed_builds_a_bank_with_every_role(db):
    output = _seed()
    assert "organisation.departments=15" in output
    assert Department.objects.filter(level=4).count() == 8
    usernames = set(Staff.objects.values_list("username", flat=True))
    assert {
        "admin",
        "auditor",
        "gejin",
        "wangdian",
        "zhuguan",
        "kehujingli",
        "dating",
        "gaogui",
        "digui",
    } <= usernames
    kehujingli = Staff.objects.get(username="kehujingli")
    assert kehujingli.check_password("Kewei@2026")
    assert data_scope_for(kehujingli).customer_book
    # the demo systems' tokens, written once, call the API
    lines = dict(
        line.split("\t") for line in settings.KEWEI_DEMO_TOKENS_FILE.read_text().splitlines()
    )
    assert set(lines) == {"core-banking", "mobile-app", "sms-platform"}
    response = Client().get(
        "/api/v1/gifts/", headers={"Authorization": f"Bearer {lines['mobile-app']}"}
    )
    assert response.status_code == 200


def test_seed_is_idempotent_and_deterministic(db):
    _seed()
    first = _snapshot()
    output = _seed()
    assert "staff_created=0" in output and "departments_created=0" in output
    assert _snapshot() == first


def test_same_seed_rebuilds_the_same_names(db):
    _seed()
    first = _snapshot()
    _wipe()
    _seed()
    assert _snapshot() == first
    _wipe()
    _seed(seed=8)
    assert _snapshot()[1] != first[1]


def test_history_comes_through_the_daily_feed(db):
    from kewei.customers.models import Customer
    from kewei.products.models import FeedDay, Holding
    from kewei.products.selectors import latest_feed_day

    # given 120 days: the last 92 as daily files, older ones as week-end files
    out = StringIO()
    call_command("seed_demo", customers=30, days=120, seed=3, no_progress=True, stdout=out)
    days = list(FeedDay.objects.order_by("day").values_list("day", flat=True))
    assert days[-92:] == [days[-1] - dt.timedelta(days=n) for n in range(91, -1, -1)]
    assert all(day.weekday() == 6 for day in days[1:-92])
    assert latest_feed_day() == timezone.localdate() - dt.timedelta(days=1)
    # every customer holds at least the demand deposit, and its AUM is its balances
    customer = Customer.objects.order_by("customer_number").first()
    balances = sum(
        h.balance
        for h in Holding.objects.filter(customer=customer)
        if h.product.category in AUM_CATEGORIES
    )
    assert customer.aum == yuan(balances)
    assert customer.product_categories >= 1
    # the latest month's points were awarded by the daily batch, and the ledger adds up
    assert "points.days_accrued=31" in out.getvalue()
    assert AccrualDay.objects.count() == 31
    assert PointsAccount.objects.filter(balance__gt=0).exists()
    assert points_verify() == []
    # customers were tiered at the month-ends by the nightly evaluation, and the care
    # batch made tasks; managers logged a fortnight of contacts
    from kewei.care.models import Contact, Task
    from kewei.tiers.models import TierRun

    assert TierRun.objects.count() >= 4
    assert Customer.objects.exclude(tier="").exists()
    assert Contact.objects.exists() and Task.objects.exists()
    tasks = Task.objects.count()
    # complaints in every state, escalated where late; the two events
    from kewei.complaints.models import Complaint
    from kewei.events.models import ClientEvent

    assert Complaint.objects.count() == 40
    assert Complaint.objects.filter(status="closed").exists()
    assert set(ClientEvent.objects.values_list("status", flat=True)) == {"held", "planned"}
    # re-running loads nothing more
    again = StringIO()
    call_command("seed_demo", customers=30, days=120, seed=3, no_progress=True, stdout=again)
    assert "products.days_loaded=0" in again.getvalue()
    assert "care.care_tasks=0" in again.getvalue()
    assert Task.objects.count() == tasks
