"""How client events plug into the rest: the customer page's events and audit labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kewei.audit.actions import ACTION_LABELS
from kewei.customers.panels import register_panel
from kewei.events import selectors

ACTION_LABELS.update(
    {
        "events.create": gettext_lazy("新建客户活动"),
        "events.guests.add": gettext_lazy("加入活动嘉宾"),
        "events.guests.remove": gettext_lazy("移除活动嘉宾"),
        "events.invite": gettext_lazy("发送活动邀请"),
        "events.reply": gettext_lazy("记录嘉宾回复"),
        "events.hold": gettext_lazy("记录活动出席"),
        "events.cancel": gettext_lazy("取消客户活动"),
    }
)


@register_panel(
    "events",
    title=gettext_lazy("客户活动"),
    template="events/panel.html",
    order=13,
    permission="events.view_clientevent",
)
def _events(request, customer):
    invitations = list(selectors.events_of(customer)[:10])
    return {"invitations": invitations} if invitations else None
