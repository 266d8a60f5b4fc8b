"""The audited actions of tiers and tier schemes: the codes the audit trail stores and
their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class TiersAction(models.TextChoices):
    EVALUATE = "tiers.evaluate", _("客户分级")
    SCHEME_CREATE = "tiers.scheme.create", _("新建分级方案")
    SCHEME_IN_FORCE = "tiers.scheme.in_force", _("启用分级方案")
    SCHEME_UPDATE = "tiers.scheme.update", _("修改分级方案")
    TIER_UPDATE = "tiers.tier.update", _("修改客户等级")
    TIER_ADD = "tiers.tier.add", _("新增客户等级")
    TIER_REMOVE = "tiers.tier.remove", _("删除客户等级")
    POTENTIAL_VIP_FOLLOW = "tiers.potential_vip.follow", _("跟进潜在贵宾")
