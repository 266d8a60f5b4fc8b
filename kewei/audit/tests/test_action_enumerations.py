"""Audited actions as enumerations (``kewei.audit.actions``): each app declares its
actions with their labels, the trail refuses any other, and the audit pages, the filter
and the export read the labels from the enumerations."""

from __future__ import annotations

import re

import pytest
from django.db import models
from django.urls import reverse
from django.utils import translation

from kewei.audit.actions import (
    ACTION_LABELS,
    action_choices,
    action_label,
    action_members,
    enumerations,
    register_actions,
)
from kewei.audit.forms import AuditSearchForm
from kewei.audit.models import AuditEvent
from kewei.audit.services import audit_record, audit_records
from kewei.care.actions import CareAction
from kewei.customers.models import Customer
from kewei.points.actions import PointsAction

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_app_that_audits_declares_an_enumeration():
    # then
    apps = sorted({enumeration.__module__.split(".")[1] for enumeration in enumerations.entries()})
    assert apps == [
        "analytics",
        "api",
        "audit",
        "care",
        "complaints",
        "customers",
        "events",
        "messaging",
        "organisation",
        "points",
        "products",
        "referrals",
        "tiers",
    ]


def test_every_action_has_a_chinese_label_distinct_from_its_code():
    with translation.override("zh-hans"):
        unlabelled = [
            member.value
            for member in action_members()
            if not str(member.label).strip()
            or str(member.label) == member.value
            or not CHINESE.search(str(member.label))
        ]
    assert unlabelled == []


def test_every_action_label_is_translated_into_english():
    # given
    with translation.override("zh-hans"):
        chinese = {member.value: str(member.label) for member in action_members()}
    # when
    with translation.override("en"):
        english = {member.value: str(member.label) for member in action_members()}
    # then
    untranslated = [code for code in chinese if english[code] in ("", code, chinese[code])]
    assert untranslated == []
    assert english["care.plan.start"] == "Start an action plan"


def test_the_stored_codes_are_those_of_the_trail():
    # The audit table keeps rows written before the enumerations: the codes stay.
    assert PointsAction.REDEEM == "points.redeem"
    assert CareAction.PLAN_START.value == "care.plan.start"
    assert len(set(ACTION_LABELS)) == len(list(action_members()))


@pytest.mark.django_db
def test_an_action_no_enumeration_declares_is_refused_and_nothing_is_written(bank):
    # when / then
    with pytest.raises(ValueError) as error:
        audit_record(actor=bank.admin, action="points.redeem.typo", subject=bank.customer_a1)
    assert str(error.value).startswith(
        "audit action 'points.redeem.typo' is not a member of a registered audit action enumeration"
    )
    with pytest.raises(ValueError, match=re.escape("'care.unknown'")):
        audit_records(
            actor=None,
            action="care.unknown",
            model=Customer,
            events=[],
            occurred_at=bank.customer_a1.created_at,
        )
    assert AuditEvent.objects.filter(action__in=["points.redeem.typo", "care.unknown"]).count() == 0


@pytest.mark.django_db
def test_a_member_is_recorded_by_its_code(bank):
    # when
    event = audit_record(
        actor=bank.manager_a1, action=CareAction.PLAN_START, subject=bank.customer_a1
    )
    # then
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.action == "care.plan.start"
    assert type(stored.action) is str
    assert action_label(stored.action) == "启动行动计划"


def test_a_code_declared_by_two_enumerations_is_refused():
    # given
    class DuplicateAction(models.TextChoices):
        REDEEM = "points.redeem", "兑换"

    # when / then
    with pytest.raises(
        ValueError, match=r"points\.redeem of .*DuplicateAction are already declared"
    ):
        register_actions(DuplicateAction)
    assert "points.redeem" in ACTION_LABELS
    assert action_label("points.redeem") == "积分兑换"


def test_the_audit_filter_offers_every_registered_action_by_its_label():
    # when
    with translation.override("zh-hans"):
        choices = list(AuditSearchForm().fields["action"].choices)
    # then
    assert choices[0] == ("", "全部操作")
    assert [(code, str(label)) for code, label in choices[1:]] == [
        (code, str(label)) for code, label in action_choices()
    ]
    assert ("care.plan.start", "启动行动计划") in [(c, str(label)) for c, label in choices]
    assert ("referrals.reward", "发放推荐奖励") in [(c, str(label)) for c, label in choices]


def test_an_old_code_no_longer_declared_shows_as_itself():
    assert action_label("removed.long.ago") == "removed.long.ago"


@pytest.mark.django_db
def test_the_audit_list_shows_the_label_of_an_app_action(client, bank):
    # given
    audit_record(actor=bank.manager_a1, action=PointsAction.ADJUST_REJECT, subject=bank.customer_a1)
    client.force_login(bank.auditor)
    # when
    page = client.get(reverse("audit:event_list"), {"action": "points.adjust.reject"})
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "驳回积分调整" in html
