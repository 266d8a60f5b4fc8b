"""The audited actions of the integration API's accounts and tokens: the codes the audit
trail stores and their labels (see ``kewei.audit.actions``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kewei.audit.actions import register_actions


@register_actions
class ApiAction(models.TextChoices):
    ACCOUNT_CREATE = "api.account.create", _("新建接口账户")
    ACCOUNT_UPDATE = "api.account.update", _("修改接口账户")
    TOKEN_ISSUE = "api.token.issue", _("签发接口令牌")
    TOKEN_REVOKE = "api.token.revoke", _("吊销接口令牌")
