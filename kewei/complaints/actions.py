"""The audited actions of complaints (``complaints.<workflow action>`` for each step of the
workflow): the codes the audit trail stores and their labels (see
``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class ComplaintsAction(models.TextChoices):
    RECORD = "complaints.record", _("受理投诉")
    RESPOND = "complaints.respond", _("投诉首次响应")
    RESOLVE = "complaints.resolve", _("投诉解决")
    CHECK = "complaints.check", _("投诉满意度回访")
    CLOSE = "complaints.close", _("投诉办结")
    REOPEN = "complaints.reopen", _("投诉重开")
    NOTE = "complaints.note", _("投诉备注")
    REASSIGN = "complaints.reassign", _("投诉转派")
    ESCALATE = "complaints.escalate", _("逾期投诉升级")
    SETTINGS = "complaints.settings", _("修改投诉时限与分派")
