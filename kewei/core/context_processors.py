"""Template context shared by every page: the navigation the signed-in staff may use."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission needed or None for every signed-in staff member)
NAVIGATION = [
    ("home", _("工作台"), None),
    ("care:my_day", _("我的今日"), "care.view_task"),
    ("care:team", _("团队工作日志"), "care.review_contacts"),
    ("messaging:message_list", _("短信与邮件"), "messaging.view_message"),
    ("complaints:complaint_list", _("客户投诉"), "complaints.view_complaint"),
    ("events:event_list", _("客户活动"), "events.view_clientevent"),
    ("referrals:best_referrers", _("推荐排行"), "referrals.view_referral_ranking"),
    ("customers:customer_search", _("客户管理"), "customers.view_customer"),
    ("tiers:to_assign", _("待分配客户"), "customers.assign_customer"),
    ("tiers:potential_vip_list", _("潜在贵宾"), "tiers.view_potentialvip"),
    ("products:product_list", _("产品管理"), "products.view_product"),
    ("products:feed_day_list", _("日终数据"), "products.view_feedday"),
    ("points:gift_list", _("礼品管理"), "points.view_gift"),
    ("points:redemption_list", _("积分兑换"), "points.view_redemption"),
    ("points:adjustment_list", _("积分调整复核"), "points.approve_adjustment"),
    ("points:rule_list", _("积分规则"), "points.view_earningrule"),
    ("tiers:scheme_list", _("客户分级"), "tiers.view_tierscheme"),
    ("care:rule_list", _("关怀规则"), "care.view_carerule"),
    ("messaging:template_list", _("消息模板"), "messaging.view_messagetemplate"),
    ("organisation:department_list", _("机构管理"), "organisation.view_department"),
    ("organisation:staff_list", _("用户管理"), "organisation.view_staff"),
    ("audit:event_list", _("审计日志"), "audit.view_auditevent"),
    ("jobs:job_list", _("后台任务"), None),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    items = [
        {"url": reverse(name), "label": label, "active": request.path == reverse(name)}
        for name, label, permission in NAVIGATION
        if permission is None or user.has_perm(permission)
    ]
    return {"navigation": items}
