"""The care triggers of DOMAIN §4 as rules, and the "new VIP onboarding" action plan."""

from django.db import migrations

INVESTMENTS = ["wealth", "fund", "fund_plan", "insurance", "precious_metal", "large_cd"]
MATURING = ["time_deposit", "large_cd", "wealth", "fund", "insurance"]
VIP = ["vip", "major"]

# code, name, trigger, fields
RULES = [
    ("BIRTHDAY", "客户生日", "date", dict(source="customer.birthday", lead_days=3,
     tiers=["potential", *VIP], occasion="birthday")),
    ("BIRTHDAY_MAJOR", "大客户生日（主管问候）", "date", dict(
        source="customer.birthday", lead_days=3, tiers=["major"], assignee="cm_supervisor",
        occasion="birthday")),
    ("FAMILY_BIRTHDAY", "家庭成员生日", "date", dict(source="family.birthday", lead_days=3,
     tiers=VIP, occasion="family_birthday")),
    ("MATURITY", "产品到期", "date", dict(source="holding.matures_on", lead_days=7,
     categories=MATURING, occasion="maturity")),
    ("POST_SALE_1D", "售后致谢（24小时内）", "date", dict(source="holding.opened_on",
     offset_days=1, categories=INVESTMENTS, occasion="thanks")),
    ("POST_SALE_3D", "售后回访（第3天）", "date", dict(source="holding.opened_on",
     offset_days=3, categories=INVESTMENTS, occasion="follow_up")),
    ("POST_SALE_7D", "售后回访（第7天）", "date", dict(source="holding.opened_on",
     offset_days=7, categories=INVESTMENTS, occasion="follow_up")),
    ("POST_SALE_REGULAR", "售后定期回访（每2–3个月）", "date", dict(
        source="holding.opened_on", offset_days=75, repeat_days=75, repeat_times=7,
        lead_days=3, categories=INVESTMENTS, occasion="follow_up")),
    ("RENEWAL", "续保/续约提醒（一年后）", "date", dict(source="holding.opened_on",
     offset_days=365, lead_days=14, categories=["insurance"], occasion="renewal")),
    ("VIP_CARD", "贵宾卡到期（提前两个月）", "date", dict(source="vip_card.valid_until",
     offset_days=-61, due_days=14, occasion="vip_card")),
    ("LARGE_MOVEMENT", "大额资金异动", "large_movement", dict(occasion="large_movement")),
    ("LOAN_DISBURSED", "个贷放款", "loan_disbursed", dict(occasion="loan")),
    ("TARGET_REACHED", "投资达到预期收益", "target_reached", dict(occasion="target")),
    ("NEW_ACCOUNT", "新开账户（一周内）", "account_opened", dict(due_days=7,
     occasion="welcome")),
    ("TIER_UP_VIP", "晋升贵宾（本季度内）", "tier_up", dict(due_days=90, tiers=VIP,
     occasion="tier_up")),
    ("TIER_DOWN_VIP", "贵宾降级（本季度内）", "tier_down", dict(due_days=90, tiers=VIP,
     occasion="tier_down")),
    ("POINTS_EXPIRING", "积分即将到期（60天内）", "points_expiring", dict(window_days=60,
     due_days=-30, occasion="points")),
    ("NO_CONTACT", "超期未联系", "no_contact", dict(due_days=7, occasion="greeting")),
]

ONBOARDING = [
    (1, "电话问候，介绍贵宾专属服务", "phone", 3),
    (2, "上门拜访或邀约面谈，了解资产配置需求", "visit", 14),
    (3, "邀请参加下一期财富沙龙", "event", 30),
]


def create(apps, schema_editor):
    CareRule = apps.get_model("care", "CareRule")
    ActionPlan = apps.get_model("care", "ActionPlan")
    Step = apps.get_model("care", "ActionPlanStep")
    if CareRule.objects.exists():
        return
    plan = ActionPlan.objects.create(
        code="NEW_VIP",
        name="新晋贵宾维护",
        description="客户晋升贵宾后：3天内电话，2周内面谈，1个月内邀请参加沙龙。",
    )
    for order, title, channel, offset in ONBOARDING:
        Step.objects.create(
            plan=plan, order=order, title=title, channel=channel, offset_days=offset
        )
    for code, name, trigger, fields in RULES:
        if code == "TIER_UP_VIP":
            fields = {**fields, "action_plan": plan}
        CareRule.objects.create(code=code, name=name, trigger=trigger, **fields)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
