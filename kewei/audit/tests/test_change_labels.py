"""The change history reads in words: field names, choice labels, yes/no, the names of
related rows and tiers, never ``channel: — → phone``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kewei.audit.models import AuditEvent
from kewei.audit.services import audit_record
from kewei.customers import services

pytestmark = pytest.mark.django_db


def test_the_customer_page_history_shows_labels_not_codes(client, bank):
    # given
    customer = bank.customer_a1
    services.consent_record(
        actor=bank.manager_a1, customer=customer, channel="phone", granted=True, source="柜面"
    )
    services.relationship_add(
        actor=bank.manager_a1, customer=customer, other=bank.customer_a1_free, kind="spouse"
    )
    audit_record(
        actor=bank.manager_a1,
        action="customers.customer.update",
        subject=customer,
        before={"tier": "ordinary", "source": "counter"},
        after={"tier": "vip", "source": "website"},
    )
    client.force_login(bank.supervisor_a1)
    # when
    page = client.get(customer.get_absolute_url()).content.decode()
    # then
    assert "<strong>渠道</strong>：— → 电话" in page
    assert "<strong>同意</strong>：— → 是" in page
    assert "<strong>关系</strong>：— → 配偶" in page
    assert "<strong>关系客户</strong>：— → 李四（C00000000002）" in page
    assert "<strong>信息来源</strong>：柜面 → 网站与客服中心" in page
    assert "<strong>客户等级</strong>：普通客户 → 贵宾客户" in page
    assert "→ phone" not in page and "→ spouse" not in page and "→ website" not in page


def test_a_related_customer_outside_the_scope_is_not_named(client, bank):
    # 李四 has no manager: not in manager_a1's book
    services.relationship_add(
        actor=bank.supervisor_a1,
        customer=bank.customer_a1,
        other=bank.customer_a1_free,
        kind="spouse",
    )
    client.force_login(bank.manager_a1)
    page = client.get(bank.customer_a1.get_absolute_url()).content.decode()
    assert f"<strong>关系客户</strong>：— → {bank.customer_a1_free.pk}" in page
    assert "李四" not in page


def test_the_audit_event_page_shows_labels_not_codes(client, bank):
    # given
    services.consent_record(
        actor=bank.manager_a1, customer=bank.customer_a1, channel="sms", granted=False
    )
    event = AuditEvent.objects.get(action="customers.consent.record")
    client.force_login(bank.auditor)
    # when
    page = client.get(reverse("audit:event_detail", args=[event.pk])).content.decode()
    # then
    assert "<tr><td>渠道</td><td>—</td><td>短信</td></tr>" in page
    assert "<tr><td>同意</td><td>—</td><td>否</td></tr>" in page


def test_every_audited_action_has_a_label():
    # given: every action the code audits by name (``action="app.thing.verb"``)
    import re
    from pathlib import Path

    from kewei.audit.actions import ACTION_LABELS
    from kewei.complaints.models import Action

    package = Path(__file__).resolve().parents[2]
    written = {
        name
        for path in package.rglob("*.py")
        if "tests" not in path.parts
        for name in re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text())
    }
    written |= {f"complaints.{action}" for action in Action.values if action != "receive"}
    # then: the audit pages and the customer's history show each by its name
    assert sorted(written - set(ACTION_LABELS)) == []
