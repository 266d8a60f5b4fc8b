"""Complaints on a frozen clock: the owner chosen at once, deadlines by severity over
weekends and holidays, escalation to the supervisor and then the outlet head, the
workflow and its refusals, statistics, and the customer page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from kewei.care.models import Task, TaskReason, TaskStatus
from kewei.complaints.models import Complaint, ComplaintStep, RoutingRule, Status
from kewei.complaints.selectors import statistics
from kewei.complaints.services import (
    ComplaintData,
    ComplaintError,
    complaint_act,
    complaint_record,
    complaints_escalate,
    deadlines,
)
from kewei.organisation.roles import Role
from kewei.testing.factories import small_bank, staff

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FRIDAY_4PM = dt.datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)


@pytest.fixture
def bank():
    return small_bank()


def record(bank, *, category="service", severity="normal", customer="a1", now=FRIDAY_4PM, **kw):
    # a customer, or the small bank's by key
    person = (
        {"a1": bank.customer_a1, "b1": bank.customer_b1, None: None}[customer]
        if customer is None or isinstance(customer, str)
        else customer
    )
    return complaint_record(
        actor=bank.teller_a1,
        data=ComplaintData(
            channel="counter",
            category=category,
            severity=severity,
            description="排队时间过长，柜员态度生硬",
            department=person.department if person else bank.outlet_a1,
            customer=person,
            **kw,
        ),
        now=now,
    )


def test_the_owner_is_chosen_at_once_by_category_and_outlet(bank):
    assert record(bank, category="service").owner == bank.supervisor_a1
    assert record(bank, category="fees").owner == bank.head_a1
    # no lobby manager in the outlet or above it: the outlet head owns waiting times
    assert record(bank, category="waiting").owner == bank.head_a1
    assert record(bank, category="fees", customer="b1").owner == bank.head_b1


def test_a_new_complaint_goes_to_the_owner_with_fewer_open_ones(bank):
    second = staff(department=bank.outlet_a1, roles=(Role.CM_SUPERVISOR,), username="sup2")
    first = record(bank)
    assert first.owner == bank.supervisor_a1
    assert record(bank).owner == second
    assert record(bank).owner == bank.supervisor_a1


def test_deadlines_over_a_weekend_and_a_holiday(bank, settings):
    # an ordinary complaint on Friday 16:00: answer within 24 hours (Saturday 16:00),
    # resolve within 5 working days (the end of the next Friday)
    response, resolution = deadlines("normal", FRIDAY_4PM)
    assert response == dt.datetime(2026, 11, 28, 16, 0, tzinfo=SHANGHAI)
    assert resolution == dt.datetime(2026, 12, 4, 23, 59, 59, tzinfo=SHANGHAI)
    # a holiday on Tuesday pushes the resolution to Monday
    settings.KEWEI_HOLIDAYS = frozenset({"2026-12-01"})
    assert deadlines("normal", FRIDAY_4PM)[1] == dt.datetime(
        2026, 12, 7, 23, 59, 59, tzinfo=SHANGHAI
    )
    # a major complaint: 2 hours, 1 working day
    response, resolution = deadlines("major", FRIDAY_4PM)
    assert response == dt.datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI)
    assert resolution == dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI)


def test_a_late_complaint_goes_to_the_supervisor_then_the_outlet_head(bank):
    # given: service complaints owned by a customer manager
    RoutingRule.objects.filter(category="service").update(role=Role.CUSTOMER_MANAGER)
    complaint = record(bank)
    assert complaint.owner == bank.manager_a1
    # when: a minute before the response is due, nothing happens
    assert complaints_escalate(now=dt.datetime(2026, 11, 28, 15, 59, tzinfo=SHANGHAI)) == {
        1: 0,
        2: 0,
    }
    # when: a minute after (Saturday 16:01), to the supervisor, once
    late = dt.datetime(2026, 11, 28, 16, 1, tzinfo=SHANGHAI)
    assert complaints_escalate(now=late) == {1: 1, 2: 0}
    assert complaints_escalate(now=late) == {1: 0, 2: 0}
    complaint.refresh_from_db()
    assert (complaint.escalation_level, complaint.escalated_to) == (1, bank.supervisor_a1)
    # when: still late 24 hours after the first escalation, to the outlet head
    assert complaints_escalate(now=late + dt.timedelta(hours=23)) == {1: 0, 2: 0}
    assert complaints_escalate(now=late + dt.timedelta(hours=24, minutes=1)) == {1: 0, 2: 1}
    complaint.refresh_from_db()
    assert (complaint.escalation_level, complaint.escalated_to) == (2, bank.head_a1)
    steps = list(complaint.steps.filter(action="escalate").values_list("note", flat=True))
    assert len(steps) == 2
    # and: both got it on their task list
    assignees = set(
        Task.objects.unrestricted()
        .filter(reason=TaskReason.COMPLAINT, customer=bank.customer_a1)
        .values_list("assignee_id", flat=True)
    )
    assert assignees == {bank.manager_a1.pk, bank.supervisor_a1.pk, bank.head_a1.pk}


def test_answered_in_time_but_not_resolved_escalates_after_the_resolution_deadline(bank):
    complaint = record(bank)
    complaint_act(
        actor=bank.supervisor_a1,
        complaint=complaint,
        action="respond",
        told_customer="已致歉，三个工作日内回复处理结果",
        now=FRIDAY_4PM + dt.timedelta(hours=2),
    )
    assert complaints_escalate(now=dt.datetime(2026, 12, 4, 23, 59, tzinfo=SHANGHAI))[1] == 0
    counts = complaints_escalate(now=dt.datetime(2026, 12, 5, 0, 0, 1, tzinfo=SHANGHAI))
    complaint.refresh_from_db()
    # the supervisor owns it: the outlet head is next
    assert counts[1] == 1 and complaint.escalated_to == bank.head_a1


def test_the_workflow_from_receipt_to_closing_and_back(bank):
    complaint = record(bank, now=timezone.now())
    owner = bank.supervisor_a1
    # an invalid step is refused and changes nothing
    with pytest.raises(ComplaintError) as refused:
        complaint_act(actor=owner, complaint=complaint, action="close")
    assert refused.value.code == "invalid_transition"
    # a step without what it needs is refused
    with pytest.raises(ComplaintError) as missing:
        complaint_act(actor=owner, complaint=complaint, action="respond")
    assert "told_customer" in missing.value.message_dict
    assert Complaint.objects.unrestricted().get(pk=complaint.pk).status == Status.RECEIVED
    # someone else may not act
    with pytest.raises(PermissionDenied):
        complaint_act(
            actor=bank.manager_a1, complaint=complaint, action="respond", told_customer="x"
        )
    # the way through
    complaint_act(actor=owner, complaint=complaint, action="respond", told_customer="已致歉")
    complaint_act(
        actor=owner,
        complaint=complaint,
        action="resolve",
        resolution="调整窗口排班，高峰期增开窗口",
        refusal="客户要求赔偿误工费，依规不能支付，已说明原因",
    )
    complaint_act(actor=owner, complaint=complaint, action="check", satisfaction="neutral")
    closed = complaint_act(actor=owner, complaint=complaint, action="close")
    assert closed.status == Status.CLOSED and closed.closed_at is not None
    reopened = complaint_act(actor=owner, complaint=complaint, action="reopen", note="客户再次来电")
    assert (reopened.status, reopened.reopened, reopened.satisfaction) == (
        Status.IN_PROGRESS,
        1,
        "",
    )
    actions = list(
        ComplaintStep.objects.filter(complaint=complaint).values_list("action", flat=True)
    )
    assert actions == ["receive", "respond", "resolve", "check", "close", "reopen"]
    told = ComplaintStep.objects.get(complaint=complaint, action="respond").told_customer
    assert told == "已致歉"


def test_the_owners_task_is_done_when_the_complaint_is_answered(bank):
    complaint = record(bank)
    (task,) = Task.objects.unrestricted().filter(reason=TaskReason.COMPLAINT)
    assert task.assignee == bank.supervisor_a1
    complaint_act(
        actor=bank.supervisor_a1, complaint=complaint, action="respond", told_customer="已致歉"
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_an_unidentified_caller_needs_a_name_and_their_phone_is_protected(bank):
    with pytest.raises(ComplaintError):
        record(bank, customer=None)
    complaint = record(bank, customer=None, caller_name="匿名来电", caller_phone="13912345678")
    assert complaint.masked_caller_phone == "139****5678"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT caller_phone FROM complaints_complaint WHERE id = %s", [complaint.pk]
        )
        assert "13912345678" not in cursor.fetchone()[0]


def test_statistics_by_category_with_hours_to_response_and_resolution(bank):
    a = record(bank, category="service")
    b = record(bank, category="service")
    record(bank, category="fees")
    owner = bank.supervisor_a1
    complaint_act(
        actor=owner,
        complaint=a,
        action="respond",
        told_customer="x",
        now=FRIDAY_4PM + dt.timedelta(hours=2),
    )
    complaint_act(
        actor=owner,
        complaint=b,
        action="respond",
        told_customer="x",
        now=FRIDAY_4PM + dt.timedelta(hours=4),
    )
    complaint_act(
        actor=owner,
        complaint=a,
        action="resolve",
        resolution="y",
        now=FRIDAY_4PM + dt.timedelta(hours=30),
    )
    rows = {
        r.key: r
        for r in statistics(by="category", start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    }
    service = rows["service"]
    assert (service.received, service.resolved, service.open) == (2, 1, 1)
    assert (service.response_hours, service.resolution_hours) == (3.0, 30.0)
    assert (rows["fees"].received, rows["fees"].response_hours) == (1, None)


def test_the_customer_page_shows_the_complaints_and_a_manager_sees_their_customers(client, bank):
    complaint = record(bank)
    client.force_login(bank.manager_a1)
    page = client.get(bank.customer_a1.get_absolute_url()).content.decode()
    assert complaint.number in page
    assert client.get(complaint.get_absolute_url()).status_code == 200
    client.force_login(bank.manager_b1)
    assert client.get(complaint.get_absolute_url()).status_code == 404


def test_recording_at_the_counter_from_the_page(client, bank):
    client.force_login(bank.teller_a1)
    response = client.post(
        reverse("complaints:complaint_create"),
        {
            "customer_number": bank.customer_a1.customer_number,
            "channel": "counter",
            "category": "fees",
            "severity": "normal",
            "description": "年费扣收未提前告知",
        },
    )
    complaint = Complaint.objects.unrestricted().get()
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert complaint.owner == bank.head_a1 and complaint.received_by == bank.teller_a1


def test_the_department_tunes_deadlines_and_routing_for_new_complaints(client, bank):
    client.force_login(bank.retail_a)
    form = client.get(reverse("complaints:complaint_settings")).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data.update({"normal__response_hours": 12, "route__fees": "cm_supervisor"})
    response = client.post(reverse("complaints:complaint_settings"), data)
    assert response.status_code == 302
    complaint = record(bank, category="fees")
    assert complaint.owner == bank.supervisor_a1
    assert complaint.response_due == FRIDAY_4PM + dt.timedelta(hours=12)
