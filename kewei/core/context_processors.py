"""Template context shared by every page: the navigation the signed-in staff may use."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Menus of (url name, label, permission needed or None for every signed-in staff
# member). A menu with one item the user may open shows as a plain link.
NAVIGATION = [
    (None, [("home", _("工作台"), None)]),
    (None, [("care:my_day", _("我的今日"), "care.view_task")]),
    (
        pgettext_lazy("menu", "客户"),
        [
            ("customers:customer_search", _("客户管理"), "customers.view_customer"),
            ("analytics:dashboard", _("客户分析"), "analytics.view_analytics"),
            ("analytics:settings", _("分析设置"), "analytics.change_analyticssettings"),
            ("tiers:to_assign", _("待分配客户"), "customers.assign_customer"),
            ("tiers:potential_vip_list", _("潜在贵宾"), "tiers.view_potentialvip"),
            ("complaints:complaint_list", _("客户投诉"), "complaints.view_complaint"),
            ("events:event_list", _("客户活动"), "events.view_clientevent"),
            ("referrals:best_referrers", _("推荐排行"), "referrals.view_referral_ranking"),
        ],
    ),
    (
        pgettext_lazy("menu", "关怀"),
        [
            ("care:team", _("团队工作日志"), "care.review_contacts"),
            ("messaging:message_list", _("短信与邮件"), "messaging.view_message"),
            ("care:rule_list", _("关怀规则"), "care.view_carerule"),
            ("messaging:template_list", _("消息模板"), "messaging.view_messagetemplate"),
        ],
    ),
    (
        pgettext_lazy("menu", "积分"),
        [
            ("points:redemption_list", _("积分兑换"), "points.view_redemption"),
            ("points:gift_list", _("礼品管理"), "points.view_gift"),
            ("points:adjustment_list", _("积分调整复核"), "points.approve_adjustment"),
            ("points:rule_list", _("积分规则"), "points.view_earningrule"),
        ],
    ),
    (
        pgettext_lazy("menu", "产品与分级"),
        [
            ("products:product_list", _("产品管理"), "products.view_product"),
            ("products:feed_day_list", _("日终数据"), "products.view_feedday"),
            ("tiers:scheme_list", _("客户分级"), "tiers.view_tierscheme"),
        ],
    ),
    (
        pgettext_lazy("menu", "系统"),
        [
            ("organisation:department_list", _("机构管理"), "organisation.view_department"),
            ("organisation:staff_list", _("用户管理"), "organisation.view_staff"),
            ("audit:event_list", _("审计日志"), "audit.view_auditevent"),
            ("api_access:access_list", _("接口接入"), "api.manage_api_access"),
            ("jobs:job_list", _("后台任务"), None),
            ("night_run_list", _("日终批处理"), "core.view_nightrun"),
        ],
    ),
]


def navigation(request):
    """``nav_groups``: the menus the user may open, each with its items; ``navigation``:
    every item in order (the home page's tiles)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": [], "nav_groups": []}
    groups = []
    for label, entries in NAVIGATION:
        items = [
            {"url": reverse(name), "label": text, "active": request.path == reverse(name)}
            for name, text, permission in entries
            if permission is None or user.has_perm(permission)
        ]
        if items:
            groups.append(
                {"label": label, "items": items, "active": any(i["active"] for i in items)}
            )
    return {
        "navigation": [item for group in groups for item in group["items"]],
        "nav_groups": groups,
    }
