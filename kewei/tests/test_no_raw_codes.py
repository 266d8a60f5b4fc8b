"""No raw codes in the Chinese pages: every page of the access walk (each view as its
allowed user, on a bank with some history) is read as a person sees it, and fails if
it shows a code instead of its label: a choice value of any model (``in_progress``,
``phone``), a tier code, a care rule's code or an audited action (``care.contact.log``).

The codes come from the models themselves, so a new choice is checked the day it is
added. A code shown on purpose (a configuration page naming an identifier) is marked up
as ``<code>``, which the check skips.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import translation

from kewei.audit.actions import ACTION_LABELS
from kewei.tests.test_access_control import CASES, _request

pytestmark = pytest.mark.django_db

# Markup whose text is not read as text on the page.
SKIPPED = {"script", "style", "code", "textarea", "option", "select", "template"}
CODE_LIKE = re.compile(r"[a-z][a-z0-9]*(?:[_.][a-z0-9]+)*")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def known_codes() -> set[str]:
    """Choice values of every Kewei model field (that differ from their label), tier
    codes, care rule codes and audited actions."""
    codes: set[str] = set()
    for model in apps.get_models():
        if not model.__module__.startswith("kewei."):
            continue
        for field in model._meta.concrete_fields:
            for value, label in field.flatchoices or ():
                if isinstance(value, str) and str(label) != value and CODE_LIKE.fullmatch(value):
                    codes.add(value)
    from kewei.care.models import CareRule
    from kewei.tiers.models import Tier

    codes |= set(Tier.objects.values_list("code", flat=True))
    codes |= set(CareRule.objects.values_list("code", flat=True))
    codes |= set(ACTION_LABELS)
    # A sign-in name is shown beside a person's name on purpose (员工2（auditor）).
    codes -= set(get_user_model().objects.values_list("username", flat=True))
    return {code for code in codes if len(code) >= 3}


def codes_in(text: str, codes: set[str]) -> set[str]:
    words = set(re.findall(r"(?<![A-Za-z0-9_./-])[a-z][a-z0-9_.]*[a-z0-9](?![A-Za-z0-9_/-])", text))
    return words & codes


def test_the_check_sees_a_code_in_the_text_and_not_in_markup():
    codes = {"in_progress", "phone", "care.contact.log"}
    page = (
        '<p class="in_progress">状态：in_progress</p><select><option value="phone">电话'
        "</option></select><code>phone</code><p>care.contact.log 与 已沟通</p>"
    )
    assert codes_in(visible_text(page), codes) == {"in_progress", "care.contact.log"}


def _default_tiers() -> None:
    """The default scheme of the migrations (a transactional test run before may have
    emptied the tables)."""
    import importlib

    from kewei.tiers.models import Tier, TierScheme

    if TierScheme.objects.filter(in_force=True).exists():
        return
    defaults = importlib.import_module("kewei.tiers.migrations.0002_default_scheme")
    english = importlib.import_module("kewei.tiers.migrations.0006_tier_english_name")
    scheme = TierScheme.objects.create(code="standard", name="五级客户分级", in_force=True)
    for rank, (code, name, bound, role, manager, interval) in enumerate(defaults.DEFAULT_TIERS, 1):
        Tier.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            name_en=english.DEFAULT_NAMES_EN[(code, name)],
            rank=rank,
            min_aum=bound,
            responsible_role=role,
            requires_manager=manager,
            contact_interval_days=interval,
        )


@pytest.fixture
def history(bank):
    """A bank whose customer page and lists have something to show: a tier, consents,
    a complaint, a contact with its channel and outcome, a relationship."""
    from kewei.care.services import ContactData, contact_log
    from kewei.complaints.services import ComplaintData, complaint_record
    from kewei.customers import services as customers
    from kewei.customers.models import Customer

    _default_tiers()
    Customer.objects.unrestricted().filter(pk=bank.customer_a1.pk).update(tier="vip")
    customers.consent_record(
        actor=bank.manager_a1, customer=bank.customer_a1, channel="phone", granted=True
    )
    customers.relationship_add(
        actor=bank.manager_a1, customer=bank.customer_a1, other=bank.customer_a1_free, kind="spouse"
    )
    complaint_record(
        actor=bank.teller_a1,
        data=ComplaintData(
            channel="hotline",
            category="waiting",
            severity="serious",
            description="排队时间过长",
            department=bank.outlet_a1,
            customer=bank.customer_a1,
        ),
    )
    contact_log(
        actor=bank.manager_a1,
        customer=bank.customer_a1,
        data=ContactData(channel="phone", purpose="care", outcome="reached", summary="生日问候"),
    )
    return bank


# Known, explained exceptions: the points policy's tier multipliers are typed as
# ``code=multiple`` (its help text gives ``vip=1.2`` as the example).
ALLOWED: dict[str, set[str]] = {}

PAGES = [c for c in CASES if c.method == "get" and c.allowed_status == 200 and not c.json]


@pytest.mark.parametrize("case", PAGES, ids=[c.id for c in PAGES])
def test_a_chinese_page_shows_no_raw_code(client, history, case):
    # given
    url = case.url(history)
    client.force_login(case.allowed(history))
    codes = known_codes()
    # when
    with translation.override("zh-hans"):
        response = _request(client, case, url, history)
    # then
    assert response.status_code == 200
    if "text/html" not in response.get("Content-Type", ""):
        return
    found = codes_in(visible_text(response.content.decode()), codes)
    assert found - ALLOWED.get(case.url_name, set()) == set()
