"""The audited actions of the customer archive: the codes the audit trail stores and their
labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class CustomersAction(models.TextChoices):
    CUSTOMER_CREATE = "customers.customer.create", _("新建客户")
    CUSTOMER_UPDATE = "customers.customer.update", _("修改客户信息")
    CUSTOMER_ASSIGN = "customers.customer.assign", _("分配客户经理")
    CUSTOMER_ASSIGN_MANY = "customers.customer.assign_many", _("批量分配客户经理")
    CUSTOMER_REVEAL = "customers.customer.reveal", _("查看完整个人信息")
    CUSTOMER_MERGE = "customers.customer.merge", _("合并客户")
    CUSTOMER_MERGED_INTO = "customers.customer.merged_into", _("并入其他客户")
    BOOK_TRANSFER = "customers.book.transfer", _("客户移交")
    CONSENT_RECORD = "customers.consent.record", _("记录营销同意")
    FAMILY_ADD = "customers.family.add", _("添加家庭成员")
    FAMILY_REMOVE = "customers.family.remove", _("删除家庭成员")
    RELATIONSHIP_ADD = "customers.relationship.add", _("添加客户关系")
    TAGS_SET = "customers.tags.set", _("修改兴趣标签")
    HOUSEHOLD_JOIN = "customers.household.join", _("加入家庭")
    REFERRAL_RECORD = "customers.referral.record", _("记录推荐关系")
    PROFILE_UPDATE = "customers.profile.update", _("完善客户档案")
    IMPORT = "customers.import", _("批量导入客户")
    EXPORT = "customers.export", _("导出客户")
    CUSTOMER_DEPART = "customers.customer.depart", _("客户离行")
    ANONYMISE_DEPARTED = "customers.anonymise_departed", _("离行客户个人信息匿名化")
