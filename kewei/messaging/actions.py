"""The audited actions of messages and templates: the codes the audit trail stores and
their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class MessagingAction(models.TextChoices):
    TEMPLATE_SAVE = "messaging.template.save", _("保存消息模板")
    MESSAGE_SEND = "messaging.message.send", _("发送短信/邮件")
    BATCH_SEND = "messaging.batch.send", _("批量发送")
    OUTBOX_COLLECT = "messaging.outbox.collect", _("短信平台取件")
    DELIVERY = "messaging.delivery", _("短信回执")
