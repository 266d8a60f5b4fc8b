"""SMS templates for the care occasions: short, decent, signed by the manager."""

from django.db import migrations

# code, name, occasion, marketing, body
TEMPLATES = [
    ("SMS_BIRTHDAY", "生日祝福", "birthday", False,
     "{尊称}，祝您生日快乐，身体健康，万事如意！您的客户经理{客户经理}"),
    ("SMS_FAMILY_BIRTHDAY", "家人生日", "family_birthday", False,
     "{尊称}，欣闻您的家人近日生日，谨致祝福！您的客户经理{客户经理}"),
    ("SMS_FESTIVAL", "节日问候", "festival", False,
     "{尊称}，佳节将至，祝您和家人节日快乐、阖家幸福！您的客户经理{客户经理}"),
    ("SMS_MATURITY", "到期提醒", "maturity", False,
     "{尊称}，您持有的{产品}将于{日期}到期，如需续作或了解新产品，请联系客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_THANKS", "售后致谢", "thanks", False,
     "{尊称}，感谢您选择我行{产品}，如有任何疑问，欢迎随时联系客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_FOLLOW_UP", "售后回访", "follow_up", False,
     "{尊称}，您好！近期{产品}运行情况如有疑问，欢迎联系客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_RENEWAL", "续约提醒", "renewal", False,
     "{尊称}，您的{产品}即将满一年，如需了解续保/续约事宜，请联系客户经理{客户经理}。"),
    ("SMS_VIP_CARD", "贵宾卡到期", "vip_card", False,
     "{尊称}，您的贵宾卡将于两个月后到期，如需了解贵宾权益，请联系客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_LARGE", "大额资金变动", "large_movement", False,
     "{尊称}，您的账户近日有一笔{金额}的资金变动，如需理财规划服务，请联系客户经理{客户经理}。"),
    ("SMS_LOAN", "贷款发放", "loan", False,
     "{尊称}，您的贷款{金额}已发放，请按时还款。如有疑问请联系客户经理{客户经理}。"),
    ("SMS_TARGET", "收益达标", "target", False,
     "{尊称}，您的投资已达到预期收益，是否需要调整配置？请联系客户经理{客户经理}。"),
    ("SMS_WELCOME", "新开户欢迎", "welcome", False,
     "{尊称}，欢迎成为{银行}的客户！您的专属客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_TIER_UP", "晋升贵宾", "tier_up", False,
     "{尊称}，恭喜您成为我行贵宾客户，专属客户经理{客户经理}将竭诚为您服务，电话{经理电话}。"),
    ("SMS_TIER_DOWN", "等级调整", "tier_down", False,
     "{尊称}，感谢您一直以来的支持，如需了解贵宾服务，请联系客户经理{客户经理}。"),
    ("SMS_POINTS", "积分到期", "points", True,
     "{尊称}，您有积分即将到期，当前积分余额{积分余额}分，欢迎到网点兑换礼品。"),
    ("SMS_GREETING", "日常问候", "greeting", False,
     "{尊称}，您好！近来一切可好？如有金融服务需要，欢迎联系客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_INVITATION", "活动邀请", "event_invitation", True,
     "{尊称}，诚邀您参加我行近期举办的客户活动，详情请咨询客户经理{客户经理}，电话{经理电话}。"),
    ("SMS_MARKETING", "新品推荐", "marketing", True,
     "{尊称}，我行新推出稳健型理财产品，欢迎垂询客户经理{客户经理}，电话{经理电话}。"),
]


def create(apps, schema_editor):
    Template = apps.get_model("messaging", "MessageTemplate")
    if Template.objects.exists():
        return
    for code, name, occasion, marketing, body in TEMPLATES:
        Template.objects.create(
            code=code, name=name, occasion=occasion, channel="sms", body=body, marketing=marketing
        )
    Template.objects.create(
        code="EMAIL_FESTIVAL",
        name="节日问候（邮件）",
        occasion="festival",
        channel="email",
        subject="节日问候",
        body="{尊称}：\n\n佳节将至，{银行}祝您和家人节日快乐！\n\n您的客户经理 {客户经理}\n{经理电话}",
        marketing=False,
    )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
