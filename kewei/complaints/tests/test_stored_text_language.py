"""What a complaint writes into rows everyone reads (the owner's task, the first step's
note) is in Chinese, even when the recorder's page was in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from kewei.care.models import Task
from kewei.complaints.services import ComplaintData, complaint_record

pytestmark = pytest.mark.django_db


def test_a_complaint_recorded_in_english_keeps_chinese_texts(bank):
    # when
    with translation.override("en"):
        complaint = complaint_record(
            actor=bank.teller_a1,
            data=ComplaintData(
                channel="counter",
                category="service",
                severity="normal",
                description="排队时间过长",
                department=bank.outlet_a1,
                customer=bank.customer_a1,
            ),
        )
    # then
    task = Task.objects.unrestricted().get(assignee=complaint.owner)
    assert task.title == f"处理客户投诉 {complaint.number}"
    assert complaint.steps.get().note == f"分派给 {complaint.owner}"
