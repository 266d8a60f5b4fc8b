"""The audited actions of care: nightly reminders, tasks, contacts, plans: the codes the
audit trail stores and their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class CareAction(models.TextChoices):
    RUN = "care.run", _("生成关怀任务")
    CONTACT_LOG = "care.contact.log", _("记录客户联系")
    CONTACT_COMMENT = "care.contact.comment", _("点评工作日志")
    TASK_CANCEL = "care.task.cancel", _("取消关怀任务")
    TASK_CREATE = "care.task.create", _("新建关怀任务")
    PLAN_START = "care.plan.start", _("启动行动计划")
    RULE_SAVE = "care.rule.save", _("保存关怀规则")
    PLAN_SAVE = "care.plan.save", _("保存行动计划")
