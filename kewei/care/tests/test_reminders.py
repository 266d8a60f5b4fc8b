"""The nightly care reminders (关怀提醒) on hand-built cases: every trigger, due dates on
working days, routing to the right person, and idempotent runs."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from kewei.care.models import CareRule, PlanRun, Task, TaskReason, TaskStatus
from kewei.care.services import (
    CareError,
    ContactData,
    care_run,
    contact_log,
    rule_save,
    task_cancel,
)
from kewei.customers.models import Customer, FamilyMember
from kewei.points.tests.test_redemption import earn
from kewei.products.feed.loading import load_day
from kewei.products.feed.writing import write_day
from kewei.testing.factories import customer, product, resident_id, small_bank
from kewei.tiers.models import TierChange, TierScheme, VipCard

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 11, 27)


@pytest.fixture
def bank():
    bank = small_bank()
    # Only the rule under test runs in each test.
    CareRule.objects.update(enabled=False)
    return bank


def only(code: str) -> CareRule:
    CareRule.objects.filter(code=code).update(enabled=True)
    return CareRule.objects.get(code=code)


def tasks(**filters) -> list[Task]:
    return list(Task.objects.unrestricted().filter(**filters).order_by("pk"))


def set_tier(person, tier: str) -> None:
    Customer.objects.unrestricted().filter(pk=person.pk).update(tier=tier)


def person_born(bank, birthday: str, tier="vip", manager="a1"):
    managed = bank.manager_a1 if manager == "a1" else None
    person = customer(
        department=bank.outlet_a1,
        manager=managed,
        name="钱七",
        id_number=resident_id(birthday),
    )
    set_tier(person, tier)
    return person


def test_a_birthday_makes_one_task_three_days_ahead_due_on_the_day(bank):
    # given: a VIP born on 1 December; the night of Friday 27 November
    only("BIRTHDAY")
    person = person_born(bank, "19801201")
    # when: the nights of the 27th and the 28th (the birthday is in both windows)
    first = care_run(day=FRIDAY)
    second = care_run(day=FRIDAY + dt.timedelta(days=1))
    # then: one task, for the manager, due on Tuesday 1 December
    made = tasks(customer=person)
    assert (first.tasks["BIRTHDAY"], second.tasks["BIRTHDAY"]) == (1, 0)
    assert len(made) == 1
    task = made[0]
    assert (task.event_on, task.due_on) == (dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert (task.assignee_id, task.role, task.reason) == (bank.manager_a1.pk, "", TaskReason.RULE)
    assert task.subject == f"{person.pk}:2026-12-01"


def test_a_birthday_outside_the_rules_tiers_makes_nothing(bank):
    only("BIRTHDAY")
    person = person_born(bank, "19801201", tier="small")
    care_run(day=FRIDAY)
    assert tasks(customer=person) == []


def test_a_birthday_on_a_sunday_is_due_the_friday_before(bank):
    only("BIRTHDAY")
    person = person_born(bank, "19801129")  # Sunday 29 November 2026
    care_run(day=dt.date(2026, 11, 25))
    (task,) = tasks(customer=person)
    assert (task.event_on, task.due_on) == (dt.date(2026, 11, 29), dt.date(2026, 11, 27))


@pytest.mark.parametrize(
    ("night", "expected"),
    [
        (dt.date(2027, 2, 24), dt.date(2027, 2, 28)),  # a common year: kept on the 28th
        (dt.date(2028, 2, 25), dt.date(2028, 2, 29)),  # a leap year: on the day
    ],
)
def test_a_29_february_birthday(bank, night, expected):
    only("BIRTHDAY")
    person = person_born(bank, "19840229")
    care_run(day=night)
    (task,) = tasks(customer=person)
    assert task.event_on == expected
    # and: the next night (still in the window) makes no second task
    care_run(day=night + dt.timedelta(days=1))
    assert len(tasks(customer=person)) == 1


def test_a_family_members_birthday(bank):
    only("FAMILY_BIRTHDAY")
    set_tier(bank.customer_a1, "major")
    FamilyMember.objects.create(
        customer=bank.customer_a1, relation="spouse", name="孙八", birthday=dt.date(1982, 11, 30)
    )
    FamilyMember.objects.create(customer=bank.customer_a1, relation="child", name="张小")
    care_run(day=FRIDAY)
    (task,) = tasks(customer=bank.customer_a1)
    assert (task.event_on, task.note) == (dt.date(2026, 11, 30), "孙八")


def test_without_a_manager_the_task_waits_for_the_tiers_role_in_the_outlet(bank):
    only("BIRTHDAY")
    person = person_born(bank, "19801201", tier="potential", manager=None)
    care_run(day=FRIDAY)
    (task,) = tasks(customer=person)
    assert (task.assignee_id, task.role, task.department_id) == (
        None,
        "customer_manager",
        bank.outlet_a1.pk,
    )


def test_a_major_customers_birthday_also_goes_to_the_supervisor(bank):
    only("BIRTHDAY")
    only("BIRTHDAY_MAJOR")
    person = person_born(bank, "19801201", tier="major")
    care_run(day=FRIDAY)
    assert sorted((t.assignee_id or 0, t.role) for t in tasks(customer=person)) == [
        (0, "cm_supervisor"),
        (bank.manager_a1.pk, ""),
    ]


def feed(tmp_path, day, holdings, transactions=(), events=()):
    directory = tmp_path / day.isoformat()
    write_day(directory, day, holdings=holdings, transactions=transactions, events=events)
    result = load_day(day, directory)
    assert result.rejected == 0, result.rejects


@pytest.fixture
def catalogue():
    product("D001", "demand_deposit")
    product("T1Y", "time_deposit", term_days=365)
    product("WM01", "wealth")
    product("L001", "personal_loan")


def test_a_maturity_on_a_saturday_is_prepared_on_friday(bank, tmp_path, catalogue):
    # given: a time deposit maturing on Saturday 5 December; a demand deposit (no term)
    number = bank.customer_a1.customer_number
    feed(
        tmp_path,
        FRIDAY,
        [
            ("T-1", number, "T1Y", "2025-12-05", "2026-12-05", "", "100000"),
            ("D-1", number, "D001", "2025-12-05", "", "", "500"),
        ],
    )
    only("MATURITY")
    # when: the night of the 27th, seven days ahead
    care_run(day=FRIDAY)
    # then
    (task,) = tasks(customer=bank.customer_a1)
    assert (task.event_on, task.due_on) == (dt.date(2026, 12, 5), dt.date(2026, 12, 4))
    assert task.product.code == "T1Y"


def test_the_days_events_make_tasks_due_the_next_working_day(bank, tmp_path, catalogue):
    # given: on Friday, a large deposit, a loan paid out and a new account
    number = bank.customer_a1.customer_number
    day = FRIDAY.isoformat()
    feed(
        tmp_path,
        FRIDAY,
        [
            ("D-1", number, "D001", "2025-06-01", "", "", "300000"),
            ("L-1", number, "L001", day, "", "", "200000"),
        ],
        transactions=[("F1", "D-1", day, "150000.00", "in", "counter", "cash")],
        events=[
            ("E1", "loan_disbursed", number, "L-1", "", day, "200000"),
            ("E2", "account_opened", number, "D-1", "", day, ""),
            ("E3", "target_reached", number, "D-1", "", day, ""),
        ],
    )
    for code in ("LARGE_MOVEMENT", "LOAN_DISBURSED", "NEW_ACCOUNT", "TARGET_REACHED"):
        only(code)
    # when
    result = care_run(day=FRIDAY)
    # then
    made = {t.rule.code: t for t in tasks(customer=bank.customer_a1)}
    assert set(made) == {"LARGE_MOVEMENT", "LOAN_DISBURSED", "NEW_ACCOUNT", "TARGET_REACHED"}
    assert made["LARGE_MOVEMENT"].amount == 15_000_000
    assert made["LARGE_MOVEMENT"].due_on == dt.date(2026, 11, 30)  # Monday
    assert made["LOAN_DISBURSED"].amount == 20_000_000
    assert made["NEW_ACCOUNT"].due_on == dt.date(2026, 12, 4)  # within the week
    # and: the same night again makes nothing
    assert result.total == 4
    assert care_run(day=FRIDAY).total == 0


def test_post_sale_follow_ups_after_one_three_seven_days_then_every_75(bank, tmp_path, catalogue):
    # given: a wealth product bought on Monday 2 November
    number = bank.customer_a1.customer_number
    feed(tmp_path, FRIDAY, [("W-1", number, "WM01", "2026-11-02", "", "", "50000")])
    for code in ("POST_SALE_1D", "POST_SALE_3D", "POST_SALE_7D", "POST_SALE_REGULAR"):
        only(code)
    made = {}
    # when: every night around the occasions (each night is in a window once or more)
    for start, end in [((2026, 11, 1), (2026, 11, 10)), ((2027, 1, 9), (2027, 1, 17))]:
        night = dt.date(*start)
        while night <= dt.date(*end):
            care_run(day=night)
            night += dt.timedelta(days=1)
    care_run(day=dt.date(2027, 3, 29))
    for task in tasks(customer=bank.customer_a1):
        made.setdefault(task.rule.code, []).append(task.event_on)
    # then
    assert made["POST_SALE_1D"] == [dt.date(2026, 11, 3)]
    assert made["POST_SALE_3D"] == [dt.date(2026, 11, 5)]
    assert made["POST_SALE_7D"] == [dt.date(2026, 11, 9)]
    assert made["POST_SALE_REGULAR"] == [dt.date(2027, 1, 16), dt.date(2027, 4, 1)]


def test_an_upgrade_to_vip_starts_the_onboarding_plan(bank):
    # given: an upgrade of the night, and a downgrade
    only("TIER_UP_VIP")
    only("TIER_DOWN_VIP")
    scheme = TierScheme.objects.get(in_force=True)
    for person, old, new, direction in [
        (bank.customer_a1, "potential", "vip", "up"),
        (bank.customer_b1, "major", "vip", "down"),
    ]:
        set_tier(person, new)
        TierChange.objects.create(
            customer=person,
            evaluated_on=FRIDAY,
            old_tier=old,
            new_tier=new,
            direction=direction,
            measure=0,
            scheme=scheme,
        )
    # when
    result = care_run(day=FRIDAY)
    again = care_run(day=FRIDAY)
    # then: three steps for the upgraded customer, one task for the downgraded
    steps = tasks(customer=bank.customer_a1)
    assert [(t.title, t.due_on, t.reason) for t in steps] == [
        ("电话问候，介绍贵宾专属服务", dt.date(2026, 12, 1), TaskReason.PLAN),
        ("上门拜访或邀约面谈，了解资产配置需求", dt.date(2026, 12, 11), TaskReason.PLAN),
        ("邀请参加下一期财富沙龙", dt.date(2026, 12, 28), TaskReason.PLAN),
    ]
    assert {t.assignee_id for t in steps} == {bank.manager_a1.pk}
    (down,) = tasks(customer=bank.customer_b1)
    assert (down.note, down.due_on) == ("major→vip", dt.date(2027, 2, 25))
    assert result.plans["TIER_UP_VIP"] == 1
    assert (again.plans["TIER_UP_VIP"], again.total) == (0, 0)
    assert PlanRun.objects.unrestricted().count() == 1


def test_a_vip_card_two_months_before_its_end(bank):
    only("VIP_CARD")
    VipCard.objects.create(
        customer=bank.customer_a1,
        tier="vip",
        issued_on=dt.date(2025, 1, 28),
        valid_until=dt.date(2027, 1, 28),
    )
    care_run(day=FRIDAY)
    (task,) = tasks(customer=bank.customer_a1)
    assert (task.event_on, task.due_on) == (dt.date(2026, 11, 28), dt.date(2026, 12, 11))


def test_points_expiring_within_sixty_days(bank):
    only("POINTS_EXPIRING")
    earn(bank.customer_a1, 300, dt.date(2026, 12, 31), "soon")
    earn(bank.customer_b1, 300, dt.date(2027, 12, 31), "later")
    care_run(day=FRIDAY)
    (task,) = tasks()
    assert (task.customer_id, task.event_on, task.note) == (
        bank.customer_a1.pk,
        dt.date(2026, 12, 31),
        "300",
    )
    assert task.due_on == dt.date(2026, 12, 1)  # a month before: the next working day


def test_not_contacted_for_longer_than_the_tier_allows(bank):
    # given: a VIP (60 days) last contacted 61 days ago, another contacted 59 days ago
    only("NO_CONTACT")
    late, recent = bank.customer_a1, person_born(bank, "19800101")
    set_tier(late, "vip")
    Customer.objects.unrestricted().filter(pk=late.pk).update(
        last_contacted_on=FRIDAY - dt.timedelta(days=61)
    )
    Customer.objects.unrestricted().filter(pk=recent.pk).update(
        last_contacted_on=FRIDAY - dt.timedelta(days=59)
    )
    # when
    care_run(day=FRIDAY)
    # then
    assert [t.customer_id for t in tasks()] == [late.pk]
    # when: the manager calls, and the rule runs again the next night
    contact_log(
        actor=bank.manager_a1,
        customer=late,
        data=ContactData(channel="phone", purpose="care", outcome="reached"),
    )
    care_run(day=FRIDAY + dt.timedelta(days=1))
    # then: no new task
    assert len(tasks()) == 1


def test_a_done_task_is_not_made_again(bank):
    only("BIRTHDAY")
    person = person_born(bank, "19801201")
    care_run(day=FRIDAY)
    (task,) = tasks(customer=person)
    task_cancel(actor=bank.manager_a1, task=task, reason="客户出国")
    care_run(day=FRIDAY + dt.timedelta(days=1))
    assert [t.status for t in tasks(customer=person)] == [TaskStatus.CANCELLED]


def test_a_new_date_rule_needs_no_code(bank, tmp_path, catalogue):
    # given: "call a month before a wealth product matures", added by the department
    number = bank.customer_a1.customer_number
    feed(tmp_path, FRIDAY, [("W-1", number, "WM01", "2026-06-01", "2026-12-28", "", "9000")])
    rule_save(
        actor=bank.retail_a,
        rule=CareRule(code="WM_MONTH", trigger="date"),
        values={
            "name": "理财到期前一个月",
            "source": "holding.matures_on",
            "offset_days": -30,
            "categories": ["wealth"],
        },
    )
    # when
    care_run(day=FRIDAY)
    # then
    (task,) = tasks(customer=bank.customer_a1)
    assert (task.rule.code, task.event_on) == ("WM_MONTH", dt.date(2026, 11, 28))


def test_a_date_rule_without_a_known_field_is_refused(bank):
    with pytest.raises(CareError) as refused:
        rule_save(
            actor=bank.retail_a,
            rule=CareRule(code="BAD", trigger="date"),
            values={"name": "错误规则", "source": "customer.wedding_day"},
        )
    assert "source" in refused.value.message_dict
    assert not CareRule.objects.filter(code="BAD").exists()


def test_the_command_runs_every_enabled_rule(bank):
    only("BIRTHDAY")
    person_born(bank, "19801201")
    out = StringIO()
    call_command("care_run", "--date", FRIDAY.isoformat(), stdout=out)
    assert "BIRTHDAY 1" in out.getvalue()


def test_without_a_tier_scheme_tasks_go_to_the_fallback_role(bank):
    from kewei.tiers.models import TierScheme

    TierScheme.objects.update(in_force=False)
    only("BIRTHDAY")
    CareRule.objects.filter(code="BIRTHDAY").update(tiers=[])
    person = person_born(bank, "19801201", tier="", manager=None)
    care_run(day=FRIDAY)
    (task,) = tasks(customer=person)
    assert (task.assignee_id, task.role) == (None, "high_counter_teller")
