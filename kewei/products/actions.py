"""The audited actions of products and the daily feed: the codes the audit trail stores and
their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class ProductsAction(models.TextChoices):
    PRODUCT_CREATE = "products.product.create", _("新建产品")
    PRODUCT_UPDATE = "products.product.update", _("修改产品")
    PRODUCT_CLOSE = "products.product.close", _("产品停售")
    PRODUCT_DELETE = "products.product.delete", _("删除产品")
    LOAD_DAY = "products.load_day", _("装载日终数据")
    TRANSACTIONS_PUSH = "products.transactions.push", _("接收推送流水")
