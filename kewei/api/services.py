"""Writes of the integration API: service accounts, tokens (issued once, stored as a
digest, revocable), token checks, the rate limit's counter, and answering a write
once under an ``Idempotency-Key``."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.api.actions import ApiAction
from kewei.api.models import ApiToken, IdempotentRequest, RateWindow, Scope, ServiceAccount
from kewei.audit.services import audit_record
from kewei.core.crypto import json_sha256
from kewei.organisation.models import Department
from kewei.organisation.services import staff_create

TOKEN_PREFIX = "kw_"  # noqa: S105  (a prefix, not a secret)
SCOPES = frozenset(Scope.values)


class ApiAccessError(ValidationError):
    """A service account or token change the rules refuse (shown as is)."""


class TokenRefused(Exception):
    """A bearer token that does not let the caller in; ``code`` says why."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def digest(token: str) -> str:
    """SHA-256 of a token. Tokens are 256 random bits, so a fast hash is the right one
    (a slow password hash protects guessable secrets, not these)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _networks(values: Iterable[str]) -> list[str]:
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            raise ApiAccessError(
                {"allowed_networks": _("地址段“%(value)s”格式不正确。") % {"value": value}},
                code="bad_network",
            ) from None
    return networks


def _check_scopes(scopes: Iterable[str]) -> list[str]:
    scopes = list(dict.fromkeys(scopes))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        raise ApiAccessError(
            {"scopes": _("未知的权限范围：%(scopes)s") % {"scopes": ", ".join(unknown)}},
            code="unknown_scope",
        )
    if not scopes:
        raise ApiAccessError({"scopes": _("请至少选择一项权限范围。")}, code="no_scope")
    return scopes


def _permissions(dotted: list[str]) -> list[Permission]:
    """The permissions named ``app_label.codename``; an unknown name is refused."""
    found = []
    for name in dotted:
        app_label, _dot, codename = name.partition(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None:
            raise ApiAccessError(
                {"permissions": _("未知的权限：%(name)s") % {"name": name}},
                code="unknown_permission",
            )
        found.append(permission)
    return found


@transaction.atomic
def account_create(
    *,
    actor,
    name: str,
    department: Department,
    roles: Iterable[str],
    permissions: Iterable[str] = (),
    description: str = "",
    allowed_networks: Iterable[str] = (),
    rate_per_minute: int = 600,
) -> ServiceAccount:
    """A system that calls the API, with a staff member of its own (no password: it
    cannot sign in to the pages) whose department and roles give its data scope and
    permissions; ``permissions`` adds single permissions beyond the roles' (pushing
    transactions, for the core system)."""
    name = name.strip()
    if not name or not name.replace("-", "").replace("_", "").isalnum() or len(name) > 30:
        raise ApiAccessError(
            {"name": _("系统名称应为 1–30 位字母、数字、“-”或“_”。")}, code="bad_name"
        )
    if ServiceAccount.objects.filter(name=name).exists():
        raise ApiAccessError({"name": _("系统名称已被使用。")}, code="duplicate_name")
    if rate_per_minute <= 0:
        raise ApiAccessError({"rate_per_minute": _("每分钟请求上限须大于零。")}, code="bad_rate")
    staff = staff_create(
        actor=actor,
        username=f"api-{name}",
        employee_number=f"API-{name}"[:20],
        full_name=_("接口：%(name)s") % {"name": name},
        department=department,
        roles=roles,
        password=secrets.token_urlsafe(32),
    )
    staff.set_unusable_password()
    staff.save(update_fields=["password"])
    permissions = sorted(set(permissions))
    if permissions:
        staff.user_permissions.set(_permissions(permissions))
    account = ServiceAccount.objects.create(
        name=name,
        description=description.strip()[:200],
        staff=staff,
        allowed_networks=_networks(allowed_networks),
        rate_per_minute=rate_per_minute,
    )
    audit_record(
        actor=actor,
        action=ApiAction.ACCOUNT_CREATE,
        subject=account,
        after={
            "department": department.code,
            "roles": sorted(roles),
            "permissions": permissions,
            "allowed_networks": account.allowed_networks,
            "rate_per_minute": rate_per_minute,
        },
    )
    return account


@transaction.atomic
def account_update(
    *,
    actor,
    account: ServiceAccount,
    allowed_networks: Iterable[str],
    rate_per_minute: int,
    is_active: bool,
) -> ServiceAccount:
    if rate_per_minute <= 0:
        raise ApiAccessError({"rate_per_minute": _("每分钟请求上限须大于零。")}, code="bad_rate")
    before = {
        "allowed_networks": account.allowed_networks,
        "rate_per_minute": account.rate_per_minute,
        "is_active": account.is_active,
    }
    account.allowed_networks = _networks(allowed_networks)
    account.rate_per_minute = rate_per_minute
    account.is_active = is_active
    account.save(update_fields=["allowed_networks", "rate_per_minute", "is_active"])
    audit_record(
        actor=actor,
        action=ApiAction.ACCOUNT_UPDATE,
        subject=account,
        before=before,
        after={
            "allowed_networks": account.allowed_networks,
            "rate_per_minute": rate_per_minute,
            "is_active": is_active,
        },
    )
    return account


@transaction.atomic
def token_issue(
    *,
    actor,
    account: ServiceAccount,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token; returns it with its one and only clear text."""
    name = name.strip()
    if not name:
        raise ApiAccessError({"name": _("请填写令牌名称。")}, code="no_name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiAccessError({"expires_at": _("失效时间须晚于现在。")}, code="expired")
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        account=account,
        name=name[:50],
        prefix=clear[:10],
        digest=digest(clear),
        scopes=_check_scopes(scopes),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action=ApiAction.TOKEN_ISSUE,
        subject=account,
        after={"token": token.label, "scopes": token.scopes, "prefix": token.prefix},
    )
    return token, clear


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token: the next request with it is refused."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(),
        revoked_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if not updated:
        raise ApiAccessError(_("该令牌已吊销。"), code="already_revoked")
    audit_record(
        actor=actor,
        action=ApiAction.TOKEN_REVOKE,
        subject=token.account,
        after={"token": token.label},
    )
    token.refresh_from_db()
    return token


def _address_allowed(networks: list[str], address: str | None) -> bool:
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in networks)


def token_authenticate(clear: str, *, client_ip: str | None) -> ApiToken:
    """The token behind a bearer value, if it may call from ``client_ip`` now."""
    token = (
        ApiToken.objects.select_related("account", "account__staff")
        .filter(digest=digest(clear))
        .first()
    )
    now = timezone.now()
    if token is None:
        raise TokenRefused("token_invalid", _("令牌无效。"))
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", _("令牌已吊销。"))
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused("token_expired", _("令牌已过期。"))
    account = token.account
    if not account.is_active or not account.staff.is_active:
        raise TokenRefused("account_disabled", _("接入系统已停用。"))
    if not _address_allowed(account.allowed_networks, client_ip):
        raise TokenRefused(
            "address_not_allowed",
            _("不允许从地址 %(ip)s 调用。") % {"ip": client_ip or "?"},
            status=403,
        )
    return token


def rate_count(token: ApiToken, now: dt.datetime | None = None) -> tuple[int, dt.datetime]:
    """Count one request of ``token`` in the current minute; returns the minute's count
    and when the minute ends. One statement, so concurrent workers count together."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    table = connection.ops.quote_name(RateWindow._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (token_id, minute, count) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (token_id, minute) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [token.pk, minute],
        )
        count = cursor.fetchone()[0]
        if count == 1:
            # The first request of a minute: tidy the token's old windows, note the use.
            RateWindow.objects.filter(
                token=token, minute__lt=minute - dt.timedelta(minutes=10)
            ).delete()
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return count, minute + dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict | list
    replayed: bool = False


class KeyReused(Exception):
    """The same Idempotency-Key came with a different request."""


def fingerprint(method: str, path: str, body: object) -> str:
    return json_sha256([method, path, body])


def answer_once(
    *, principal: str, key: str, request_fingerprint: str, work: Callable[[], Answer]
) -> Answer:
    """Run ``work`` once per (caller, key): a retry gets the first answer again.

    The key is claimed by inserting its row in the same transaction as the work, so a
    concurrent request with the same key waits on the unique index until the first
    commits, then answers with the stored response (or, if the first rolled back,
    does the work itself). A refusal (4xx) is stored and replayed like a success.
    """
    with transaction.atomic():
        stored = IdempotentRequest.objects.filter(principal=principal, key=key).first()
        if stored is None:
            try:
                with transaction.atomic():
                    claim = IdempotentRequest.objects.create(
                        principal=principal,
                        key=key,
                        fingerprint=request_fingerprint,
                        status_code=0,
                        body={},
                    )
            except IntegrityError:
                stored = IdempotentRequest.objects.get(principal=principal, key=key)
        if stored is not None:
            if stored.fingerprint != request_fingerprint:
                raise KeyReused
            return Answer(stored.status_code, stored.body, replayed=True)
        answer = work()
        claim.status_code, claim.body = answer.status, answer.body
        claim.save(update_fields=["status_code", "body"])
        return answer
