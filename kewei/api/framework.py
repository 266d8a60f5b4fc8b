"""How every API view authenticates, checks scope and permission, counts the rate
limit, activates the caller's data scope and answers errors.

- Systems send ``Authorization: Bearer kw_...`` (a service account's token); staff use
  their signed-in session (with its CSRF token for writes).
- A view declares, per method, the token scope and the staff permission it needs
  (``access``); a token needs both, a session the permission.
- The caller's data scope is active for the whole handler, exactly as on the pages,
  so an object outside it is not found (404).
- Errors are JSON: a stable ``code``, a ``message`` in Chinese and ``message_en`` in
  English, and per field ``errors``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from kewei.api import services
from kewei.api.models import ApiToken
from kewei.core.bilingual import error_body, error_item
from kewei.core.errors import DATABASE_DOWN, RETRY_AFTER_SECONDS, database_unavailable_message


class TokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` of a service account."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确。"), code="token_invalid")
        try:
            clear = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                _("令牌格式不正确。"), code="token_invalid"
            ) from None
        try:
            token = services.token_authenticate(clear, client_ip=request.META.get("REMOTE_ADDR"))
        except services.TokenRefused as refused:
            if refused.status == 403:
                raise exceptions.PermissionDenied(refused.message, code=refused.code) from None
            raise exceptions.AuthenticationFailed(refused.message, code=refused.code) from None
        return token.account.staff, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="kewei"'


class StaffSession(SessionAuthentication):
    """A signed-in member of staff (CSRF token required for writes)."""


class Allowed(BasePermission):
    """The view's ``access[method]``: (token scope, staff permission)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated(_("请先登录或提供令牌。"), code="not_authenticated")
        access = getattr(view, "access", {})
        scope, permission = access.get(request.method, (None, None))
        if request.method not in access:
            return True  # HEAD/OPTIONS follow GET's answer in the handler
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and scope is not None and scope not in token.scopes:
            raise exceptions.PermissionDenied(
                _("令牌没有权限范围 %(scope)s。") % {"scope": scope}, code="scope_missing"
            )
        permissions = (permission,) if isinstance(permission, str) else permission or ()
        missing = [name for name in permissions if not request.user.has_perm(name)]
        if missing:
            raise exceptions.PermissionDenied(
                _("缺少权限：%(permissions)s。") % {"permissions": ", ".join(missing)},
                code="forbidden",
            )
        return True


class TokenRate(BaseThrottle):
    """At most the service account's ``rate_per_minute`` requests per token and minute."""

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        count, self.ends = services.rate_count(request.auth)
        return count <= request.auth.account.rate_per_minute

    def wait(self) -> float:
        return max(1.0, (self.ends - timezone.now()).total_seconds())


# --- errors ------------------------------------------------------------------------------

_STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    415: "unsupported_media_type",
    422: "refused",
    429: "rate_limited",
}


def _flatten(detail: Any, field: str | None = None) -> list[dict[str, Any]]:
    """DRF error details (dicts of lists of ErrorDetail) as a flat list."""
    if isinstance(detail, dict):
        items = []
        for name, value in detail.items():
            name = None if name in ("non_field_errors", "__all__") else name
            nested = f"{field}.{name}" if field and name else (name or field)
            items += _flatten(value, nested)
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            nested = f"{field}[{index}]" if isinstance(value, dict | list) and field else field
            items += _flatten(value, nested)
        return items
    return [error_item(field, str(detail), getattr(detail, "code", None) or "invalid")]


def _django_validation(error: DjangoValidationError) -> tuple[str, list[dict[str, Any]]]:
    code = getattr(error, "code", None) or "refused"
    if hasattr(error, "error_dict"):
        items = [
            error_item(
                name if name != "__all__" else None, message, getattr(e, "code", None) or code
            )
            for name, errors in error.error_dict.items()
            for e in errors
            for message in e.messages
        ]
        codes = [e.code for errors in error.error_dict.values() for e in errors if e.code]
        code = codes[0] if codes else code
    else:
        items = [error_item(None, message, code) for message in error.messages]
    return code, items


def exception_answer(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """Status, body and headers of the error response for ``exc`` (None: not ours)."""
    headers: dict[str, str] = {}
    if isinstance(exc, DATABASE_DOWN):
        message = database_unavailable_message()
        item = error_item(None, message, "database_unavailable")
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return 503, error_body("database_unavailable", [item]), headers
    if isinstance(exc, BadRequest):
        message = str(exc) or _("请求无法处理。")
        return 400, error_body("invalid", [error_item(None, message, "invalid")]), headers
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到，或不在您的数据权限范围内。"), code="not_found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or _("您没有执行此操作的权限。"))
    if isinstance(exc, DjangoValidationError):
        code, items = _django_validation(exc)
        return status.HTTP_422_UNPROCESSABLE_ENTITY, error_body(code, items), headers
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, exceptions.Throttled):
        seconds = int(exc.wait or 1)
        headers["Retry-After"] = str(seconds)
        exc = exceptions.Throttled(
            detail=_("请求过于频繁，请 %(n)d 秒后再试。") % {"n": seconds}, code="rate_limited"
        )
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="kewei"'
    if isinstance(exc, exceptions.NotFound):
        # DRF's own (a missing page number, say) and ours read the same.
        exc = exceptions.NotFound(_("未找到，或不在您的数据权限范围内。"), code="not_found")
    default = _STATUS_CODES.get(exc.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        items = _flatten(exc.detail)
        return exc.status_code, error_body(items[0]["code"] if items else default, items), headers
    detail = exc.detail
    if isinstance(detail, dict | list):
        items = _flatten(detail)
        return exc.status_code, error_body(default, items), headers
    code = getattr(detail, "code", None) or default
    if code in ("error", "invalid", "permission_denied", "authentication_failed"):
        code = default
    message = _localised(exc)
    return exc.status_code, error_body(code, [error_item(None, message, code)], message), headers


def _localised(exc: exceptions.APIException) -> str:
    """DRF's own messages (method not allowed, bad JSON ...) in Chinese."""
    messages = {
        exceptions.MethodNotAllowed: _("不支持该请求方法。"),
        exceptions.ParseError: _("请求体不是有效的 JSON。"),
        exceptions.UnsupportedMediaType: _("不支持的请求内容类型，请使用 application/json。"),
        exceptions.NotAcceptable: _("无法提供所要求的响应格式。"),
    }
    for kind, message in messages.items():
        if type(exc) is kind:
            return message
    return str(exc.detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    answer = exception_answer(exc)
    if answer is None:
        return None
    status_code, body, headers = answer
    return Response(body, status=status_code, headers=headers)
