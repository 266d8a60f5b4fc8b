"""The endpoints do what the pages do: the same rules, the same scope, masked personal
data, errors naming their field in Chinese and English, and writes answered once."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from kewei.api.models import Scope
from kewei.api.services import account_create, token_issue
from kewei.api.tests.helpers import NEXT_YEAR_END, call, earn, gift, holding, systems
from kewei.audit.models import AuditEvent
from kewei.care.models import Contact, Task, TaskReason, TaskStatus
from kewei.customers.models import ConsentChannel, Customer
from kewei.customers.selectors import current_consents
from kewei.customers.services import consent_record
from kewei.messaging.models import Message, MessageStatus
from kewei.organisation.roles import Role
from kewei.points import selectors as points_selectors
from kewei.points.models import Gift, Redemption
from kewei.products.models import Transaction
from kewei.testing.factories import resident_id

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def s():
    return systems()


def _url(customer, tail=""):
    return f"/api/v1/customers/{customer.customer_number}/{tail}"


# --- customers ---------------------------------------------------------------------------


def test_search_uses_the_search_engines_filters_within_the_callers_scope(s):
    by_pinyin = call("GET", "/api/v1/customers/?text=zs", s.core).json()
    assert [row["name"] for row in by_pinyin["results"]] == ["张三"]
    by_department = call("GET", "/api/v1/customers/?department=310101", s.core).json()
    assert [row["name"] for row in by_department["results"]] == ["王五"]
    by_mobile = call(
        "POST", "/api/v1/customers/search/", s.core, body={"text": s.bank.customer_a1.mobile}
    )
    assert by_mobile.json()["count"] == 1
    no_manager = call("GET", "/api/v1/customers/?manager=none", s.core).json()
    assert [row["name"] for row in no_manager["results"]] == ["李四"]
    # branch B's system sees branch B's customer only, whatever it asks for
    branch_b = call("GET", "/api/v1/customers/?department=110101", s.branch_b).json()
    assert branch_b["count"] == 0


def test_personal_fields_are_masked_unless_revealed_with_a_reason(s):
    customer = s.bank.customer_a1
    masked = call("GET", _url(customer), s.core).json()
    assert masked["id_number"] == "110105********002X"
    assert masked["mobile"] == customer.mobile[:3] + "****" + customer.mobile[-4:]
    assert masked["address"].endswith("****")
    assert masked["revealed"] is False
    # a token without the reveal scope cannot reveal
    refused = call("GET", _url(customer) + "?reveal=1&reason=核实身份", s.core)
    assert refused.status_code == 403
    assert refused.json()["code"] == "reveal_forbidden"
    # with the scope, a reason is required
    no_reason = call("GET", _url(customer) + "?reveal=1", s.core_reveal)
    assert no_reason.status_code == 422
    assert no_reason.json()["field"] == "reason"
    before = AuditEvent.objects.filter(action="customers.customer.reveal").count()
    shown = call("GET", _url(customer) + "?reveal=1&reason=核实身份", s.core_reveal).json()
    assert shown["id_number"] == "11010519491231002X"
    assert shown["mobile"] == customer.mobile
    reveal = AuditEvent.objects.filter(action="customers.customer.reveal").order_by("-id")
    assert reveal.count() == before + 1
    assert reveal.first().note == "核实身份"


def test_create_validates_like_every_other_entry_path(s):
    good = {
        "name": "赵六",
        "id_number": resident_id("19850505", 41),
        "mobile": "13912345678",
        "address": "北京市海淀区学院路1号",
        "department": "110101",
    }
    created = call("POST", "/api/v1/customers/", s.core, good)
    assert created.status_code == 201
    assert created.json()["birthday"] == "1985-05-05"
    assert created.json()["mobile"] == "139****5678"
    bad = call("POST", "/api/v1/customers/", s.core, {**good, "id_number": "11010519491231002Y"})
    assert bad.status_code == 400
    body = bad.json()
    assert body["field"] == "id_number"
    assert "id_number" in body["message"]
    again = call("POST", "/api/v1/customers/", s.core, good)
    assert again.status_code == 422
    assert created.json()["number"] in again.json()["message"]
    assert Customer.objects.filter(name="赵六").count() == 1


def test_update_changes_only_what_it_is_given(s):
    customer = s.bank.customer_a1
    answer = call("PATCH", _url(customer), s.core, {"mobile": "13700001111"})
    assert answer.status_code == 200
    customer.refresh_from_db()
    assert customer.mobile == "13700001111"
    assert customer.address == "北京市海淀区中关村大街1号"
    out_of_scope = call("PATCH", _url(customer), s.branch_b, {"mobile": "13700002222"})
    assert out_of_scope.status_code == 404


# --- holdings, transactions and the push -------------------------------------------------

ROW = {
    "transaction_id": "T1",
    "account_number": "6222000011112222",
    "booked_on": TODAY.isoformat(),
    "amount": "150000.00",
    "direction": "in",
    "channel": "counter",
    "counterparty_kind": "cash",
}


def test_a_pushed_batch_loads_its_good_rows_reports_the_bad_and_loads_once(s):
    holding(s.bank.customer_a1)
    rows = [
        ROW,
        {**ROW, "transaction_id": "T2", "account_number": "999"},
        {**ROW, "transaction_id": "T3", "amount": "-5"},
        {**ROW, "transaction_id": "T4", "amount": "20.00", "direction": "out"},
    ]
    body = {"batch_id": "CORE-20261126-001", "date": TODAY.isoformat(), "transactions": rows}
    first = call("POST", "/api/v1/transactions/batches/", s.core, body)
    assert first.status_code == 201
    result = first.json()
    assert (result["loaded"], result["rejected"]) == (2, 2)
    assert [(r["row"], r["column"]) for r in result["rejects"]] == [
        (2, "account_number"),
        (3, "amount"),
    ]
    assert Transaction.objects.filter(customer=s.bank.customer_a1).count() == 2
    assert Transaction.objects.get(transaction_id="T1").is_large
    again = call("POST", "/api/v1/transactions/batches/", s.core, body)
    assert again.status_code == 200
    assert again.json() == result
    assert Transaction.objects.count() == 2
    other = call(
        "POST", "/api/v1/transactions/batches/", s.core, {**body, "transactions": rows[:1]}
    )
    assert other.status_code == 409
    assert other.json()["code"] == "batch_conflict"
    listed = call("GET", _url(s.bank.customer_a1, "transactions/"), s.core).json()
    assert listed["count"] == 2
    assert listed["results"][0]["account_number"] == "6222****2222"
    stored = call("GET", "/api/v1/transactions/batches/CORE-20261126-001/", s.core).json()
    assert stored["rejected"] == 2


def test_a_batch_for_a_future_day_is_refused(s):
    tomorrow = TODAY.toordinal() + 1
    from datetime import date

    body = {"batch_id": "B", "date": date.fromordinal(tomorrow).isoformat(), "transactions": [ROW]}
    refused = call("POST", "/api/v1/transactions/batches/", s.core, body)
    assert refused.status_code == 422
    assert refused.json()["field"] == "date"


def test_holdings_are_listed_with_masked_accounts(s):
    holding(s.bank.customer_a1, balance=1234567)
    rows = call("GET", _url(s.bank.customer_a1, "holdings/"), s.core).json()
    assert rows == [
        {
            "account_number": "6222****2222",
            "product": {"code": "D001", "name": "产品D001"},
            "category": "demand_deposit",
            "opened_on": "2025-01-01",
            "matures_on": None,
            "status": "open",
            "balance": "12345.67",
        }
    ]


# --- points ------------------------------------------------------------------------------


def test_points_balance_statement_and_catalogue(s):
    customer = s.bank.customer_a1
    earn(customer, 120, NEXT_YEAR_END, "e1")
    gift(stock=3)
    gift(stock=2, code="G2", name="VIP 礼盒", tiers=["vip"])
    points = call("GET", _url(customer, "points/"), s.mobile).json()
    assert (points["balance"], points["spendable"]) == (120, 120)
    statement = call("GET", _url(customer, "points/statement/"), s.mobile).json()
    assert [row["points"] for row in statement["results"]] == [120]
    catalogue = call("GET", "/api/v1/gifts/", s.mobile).json()
    assert [g["code"] for g in catalogue] == ["G1", "G2"]
    mine = call("GET", _url(customer, "gifts/"), s.mobile).json()
    assert [(g["code"], g["stock"]) for g in mine] == [("G1", 3)]


def _redeem(s, key, **body):
    return call(
        "POST",
        _url(s.bank.customer_a1, "redemptions/"),
        s.mobile,
        {"gift": "G1", "quantity": 1, "outlet": "110101", **body},
        **({"Idempotency-Key": key} if key else {}),
    )


def test_a_retried_redemption_returns_the_first_answer_and_redeems_once(s):
    earn(s.bank.customer_a1, 100, NEXT_YEAR_END, "e1")
    gift(stock=5)
    first = _redeem(s, "app-0001")
    retried = _redeem(s, "app-0001")
    assert first.status_code == retried.status_code == 201
    assert retried.json() == first.json()
    assert retried["Idempotent-Replayed"] == "true"
    assert Redemption.objects.count() == 1
    assert points_selectors.points_balance(s.bank.customer_a1) == 60
    reused = _redeem(s, "app-0001", quantity=2)
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    missing = _redeem(s, None)
    assert missing.status_code == 400
    assert missing.json()["field"] == "Idempotency-Key"


def test_a_refusal_is_bilingual_and_replayed_like_a_success(s):
    earn(s.bank.customer_a1, 30, NEXT_YEAR_END, "e1")
    gift(stock=5)
    refused = _redeem(s, "app-0002")
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "insufficient_points"
    assert body["message"] == "积分不足：需要 40 积分，可用 30 积分。"
    assert body["message_en"] == "Not enough points: 40 needed, 30 available."
    # points arrive, but the same key still answers with its first answer
    earn(s.bank.customer_a1, 100, NEXT_YEAR_END, "e2")
    assert _redeem(s, "app-0002").json() == body
    assert _redeem(s, "app-0003").status_code == 201


def test_cancellation_returns_the_points_once(s):
    earn(s.bank.customer_a1, 100, NEXT_YEAR_END, "e1")
    gift(stock=5)
    number = _redeem(s, "r1").json()["number"]
    url = f"/api/v1/redemptions/{number}/cancel/"
    first = call("POST", url, s.mobile, {"reason": "客户改选"}, **{"Idempotency-Key": "c1"})
    again = call("POST", url, s.mobile, {"reason": "客户改选"}, **{"Idempotency-Key": "c1"})
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "cancelled"
    assert points_selectors.points_balance(s.bank.customer_a1) == 100
    assert Gift.objects.get(code="G1").stock == 5
    late = call("POST", url, s.mobile, {"reason": "再撤"}, **{"Idempotency-Key": "c2"})
    assert late.status_code == 422
    assert late.json()["code"] == "not_cancellable"


# --- tasks, contacts and complaints ------------------------------------------------------


def _task(s, assignee):
    return Task.objects.create(
        customer=s.bank.customer_a1,
        reason=TaskReason.MANUAL,
        title="生日问候",
        event_on=TODAY,
        due_on=TODAY,
        assignee=assignee,
        department=s.bank.outlet_a1,
        created_on=TODAY,
    )


def test_a_manager_lists_and_completes_their_tasks_with_a_contact(client, s):
    task = _task(s, s.bank.manager_a1)
    _task(s, s.bank.head_a1)
    client.force_login(s.bank.manager_a1)
    listed = call("GET", "/api/v1/tasks/", client=client).json()
    assert [row["id"] for row in listed["results"]] == [task.pk]
    contact = {"channel": "phone", "purpose": "care", "outcome": "reached", "summary": "已问候"}
    done = call("POST", f"/api/v1/tasks/{task.pk}/complete/", body=contact, client=client)
    assert done.status_code == 200
    assert done.json()["status"] == TaskStatus.DONE
    assert Contact.objects.get().summary == "已问候"
    log = call("GET", _url(s.bank.customer_a1, "contacts/"), client=client).json()
    assert log["count"] == 1
    twice = call("POST", f"/api/v1/tasks/{task.pk}/complete/", body=contact, client=client)
    assert twice.status_code == 422
    assert twice.json()["code"] == "not_open"


def test_complaints_are_recorded_and_read_within_scope(s):
    body = {
        "customer": s.bank.customer_a1.customer_number,
        "department": "110101",
        "channel": "online",
        "category": "system",
        "severity": "serious",
        "description": "手机银行转账失败",
    }
    created = call("POST", "/api/v1/complaints/", s.core, body)
    assert created.status_code == 201
    number = created.json()["number"]
    assert call("GET", f"/api/v1/complaints/{number}/", s.core).json()["severity"] == "serious"
    assert call("GET", f"/api/v1/complaints/{number}/", s.branch_b).status_code == 404
    missing = call("POST", "/api/v1/complaints/", s.core, {**body, "description": ""})
    assert missing.status_code == 400
    assert missing.json()["field"] == "description"


# --- the SMS platform --------------------------------------------------------------------


def test_the_sms_platform_collects_reports_and_passes_replies(s):

    platform = account_create(
        actor=None,
        name="sms",
        department=s.bank.head_office,
        roles=[Role.RETAIL_BANKING],
        permissions=["messaging.relay_messages"],
    )
    _token, sms = token_issue(actor=None, account=platform, name="p", scopes=[Scope.MESSAGES])
    customer = s.bank.customer_a1
    consent_record(actor=None, customer=customer, channel=ConsentChannel.SMS, granted=True)
    message = Message.objects.create(
        customer=customer,
        channel="sms",
        body="【客维示范银行】生日快乐",
        marketing=False,
        status=MessageStatus.QUEUED,
        send_after=timezone.now(),
    )
    collected = call(
        "POST", "/api/v1/messages/outbox/", sms, {"limit": 10}, **{"Idempotency-Key": "o1"}
    )
    assert collected.json() == [
        {"id": str(message.pk), "address": customer.mobile, "subject": "", "body": message.body}
    ]
    # a lost answer is collected again with the same key; nothing is handed out twice
    again = call(
        "POST", "/api/v1/messages/outbox/", sms, {"limit": 10}, **{"Idempotency-Key": "o1"}
    )
    assert again.json() == collected.json()
    assert call("POST", "/api/v1/messages/outbox/", sms, {"limit": 10}).json() == []
    delivered = call("POST", f"/api/v1/messages/{message.pk}/delivery/", sms, {"delivered": True})
    assert delivered.json() == {"id": str(message.pk), "status": "delivered"}
    reply = call(
        "POST", "/api/v1/messages/replies/", sms, {"mobile": customer.mobile, "text": "TD"}
    )
    assert reply.json() == {"customers": 1, "unsubscribed": True}
    assert current_consents(customer)[ConsentChannel.SMS] is False


# --- the description and its page --------------------------------------------------------


def test_the_documentation_page_uses_only_local_assets(client, s):
    client.force_login(s.bank.manager_a1)
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
    assert not re.search(r"""(src|href)=["']https?://""", page)
    schema = call("GET", "/api/v1/schema/", s.core).json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/customers/{number}/redemptions/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
