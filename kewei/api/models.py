"""The integration API's own tables: service accounts and their tokens, the requests
answered under an ``Idempotency-Key``, and the per-token request counts of the rate
limit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do. A call needs the scope and the service account's staff
    permission: the scope narrows what the account's roles allow, never widens it."""

    CUSTOMERS_READ = "customers:read", _("查询客户")
    CUSTOMERS_WRITE = "customers:write", _("新建和修改客户")
    CUSTOMERS_REVEAL = "customers:reveal", _("查看完整个人信息")
    HOLDINGS_READ = "holdings:read", _("查询持仓和流水")
    TRANSACTIONS_PUSH = "transactions:push", _("推送当日流水")
    POINTS_READ = "points:read", _("查询积分和礼品")
    POINTS_REDEEM = "points:redeem", _("积分兑换和撤销")
    TASKS = "tasks", _("任务和联系记录")
    COMPLAINTS_READ = "complaints:read", _("查询投诉")
    COMPLAINTS_WRITE = "complaints:write", _("登记投诉")
    MESSAGES = "messages", _("短信平台：取件、回执和回复")


class ServiceAccount(models.Model):
    """A system that calls the API (the core banking system, the counter terminals, the
    mobile banking app, the SMS platform). It acts as a staff member of its own, whose
    department and roles give its data scope and permissions like anyone else's; that
    staff member has no password and cannot sign in to the pages."""

    name = models.CharField(_("系统名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    staff = models.OneToOneField(
        "organisation.Staff", on_delete=models.PROTECT, related_name="service_account"
    )
    # Networks the account may call from (CIDR); empty: any address.
    allowed_networks = models.JSONField(_("允许的地址段"), default=list, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("每分钟请求上限"), default=600)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")
        permissions = [("manage_api_access", _("管理接口接入系统和令牌"))]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token of a service account. Only its SHA-256 digest is stored; the
    token itself is shown once, when it is issued."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="tokens")
    name = models.CharField(_("令牌名称"), max_length=50)
    prefix = models.CharField(_("令牌前缀"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("权限范围"), default=list)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.account.name}/{self.name}（{self.prefix}…）"

    @property
    def label(self) -> str:
        """How the token appears in the audit trail."""
        return f"{self.account.name}/{self.name}#{self.pk}"


class IdempotentRequest(models.Model):
    """A write answered under an ``Idempotency-Key``: a retry with the same key gets
    this response again, and the write happens once."""

    principal = models.CharField(max_length=40)  # "token:<id>" or "staff:<id>"
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)  # method, path and body
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotent_request_key")
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class RateWindow(models.Model):
    """How many requests a token made in one minute (the rate limit's counter)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "minute"], name="rate_window_token_minute")
        ]

    def __str__(self) -> str:
        return f"{self.token_id} {self.minute:%H:%M} {self.count}"
