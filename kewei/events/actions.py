"""The audited actions of client events: the codes the audit trail stores and their labels
(see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class EventsAction(models.TextChoices):
    CREATE = "events.create", _("新建客户活动")
    GUESTS_ADD = "events.guests.add", _("加入活动嘉宾")
    GUESTS_REMOVE = "events.guests.remove", _("移除活动嘉宾")
    INVITE = "events.invite", _("发送活动邀请")
    REPLY = "events.reply", _("记录嘉宾回复")
    HOLD = "events.hold", _("记录活动出席")
    CANCEL = "events.cancel", _("取消客户活动")
