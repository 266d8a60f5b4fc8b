"""The audited actions of referral rewards: the codes the audit trail stores and their
labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class ReferralsAction(models.TextChoices):
    REWARD = "referrals.reward", _("发放推荐奖励")
    CONDITION = "referrals.condition", _("修改推荐奖励条件")
