"""The audited actions of points: rules, accrual, expiry, gifts, redemptions, adjustments:
the codes the audit trail stores and their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class PointsAction(models.TextChoices):
    ACCRUE = "points.accrue", _("积分计算")
    EXPIRE = "points.expire", _("积分过期处理")
    RULE_CREATE = "points.rule.create", _("新建积分规则")
    RULE_END = "points.rule.end", _("停用积分规则")
    POLICY_CREATE = "points.policy.create", _("修改积分参数")
    STATEMENT_EXPORT = "points.statement.export", _("导出积分流水")
    GIFT_CREATE = "points.gift.create", _("新建礼品")
    GIFT_UPDATE = "points.gift.update", _("修改礼品")
    GIFT_WITHDRAW = "points.gift.withdraw", _("礼品下架")
    GIFT_RECEIPT = "points.gift.receipt", _("礼品入库")
    GIFT_WRITE_OFF = "points.gift.write_off", _("礼品报损")
    REDEEM = "points.redeem", _("积分兑换")
    REDEEM_CANCEL = "points.redeem.cancel", _("撤销积分兑换")
    REDEEM_DELIVER = "points.redeem.deliver", _("礼品交付")
    ADJUST_PROPOSE = "points.adjust.propose", _("提出积分调整")
    ADJUST_APPROVE = "points.adjust.approve", _("批准积分调整")
    ADJUST_REJECT = "points.adjust.reject", _("驳回积分调整")
