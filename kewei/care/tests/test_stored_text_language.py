"""A follow-up task logged from an English page keeps its title in Chinese: a stored
title is read later by whoever opens the task, in whatever language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from kewei.care.models import Task, TaskReason
from kewei.care.services import ContactData, contact_log

pytestmark = pytest.mark.django_db


def test_a_follow_up_logged_in_english_is_titled_in_chinese(bank):
    # given
    data = ContactData(
        channel="phone",
        purpose="care",
        outcome="reached",
        summary="客户询问定期利率",
        next_follow_up=timezone.localdate() + dt.timedelta(days=3),
    )
    # when
    with translation.override("en"):
        contact_log(actor=bank.manager_a1, customer=bank.customer_a1, data=data)
    # then
    task = Task.objects.unrestricted().get(reason=TaskReason.FOLLOW_UP)
    assert task.title == "跟进：客户询问定期利率"
