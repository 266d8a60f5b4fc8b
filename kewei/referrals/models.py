"""Referral rewards (客户推荐奖励): when a referred customer meets the condition, their
referrer earns the points of the event rule for ``referral_reward``, once."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kewei.core.fields import YuanField


class RewardCondition(models.Model):
    """What a referred customer must do for the referrer's reward: hold at least
    ``min_aum`` on average over ``hold_days`` days (after opening an account). One row,
    kept by the retail banking department."""

    min_aum = YuanField(_("日均金融资产不低于（元）"), default=Decimal("50000"))
    hold_days = models.PositiveSmallIntegerField(_("持有天数"), default=30)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推荐奖励条件")
        verbose_name_plural = _("推荐奖励条件")
        permissions = [("view_referral_ranking", _("查看推荐排行"))]

    def __str__(self) -> str:
        return f"{self.min_aum} / {self.hold_days}"

    @classmethod
    def current(cls) -> RewardCondition:
        condition = cls.objects.order_by("pk").first()
        return condition if condition is not None else cls.objects.create()
