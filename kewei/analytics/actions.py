"""The audited actions of the analytics: the codes the audit trail stores and their labels
(see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class AnalyticsAction(models.TextChoices):
    SETTINGS = "analytics.settings", _("修改分析设置")
