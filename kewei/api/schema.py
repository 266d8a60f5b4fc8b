"""The OpenAPI description's shared parts: the error body on every operation and the
bearer-token security scheme."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from kewei.api.models import Scope

_ERRORS = {
    "400": "请求有误 / bad request",
    "401": "未认证 / not authenticated",
    "403": "无权限 / forbidden",
    "404": "未找到或不在数据权限范围内 / not found or out of scope",
    "409": "冲突 / conflict",
    "422": "业务规则拒绝 / refused by a business rule",
    "429": "请求过于频繁 / rate limited",
}


def add_error_responses(result, generator, request, public):
    """Every operation may answer with the error body (``Error``)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    item = {
        "type": "object",
        "properties": {
            "field": {"type": "string", "nullable": True},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "message_en": {"type": "string"},
        },
        "required": ["field", "code", "message", "message_en"],
    }
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "code": {"type": "string", "description": "stable error code"},
            "message": {"type": "string", "description": "中文说明"},
            "message_en": {"type": "string", "description": "English message"},
            "field": {"type": "string", "nullable": True},
            "errors": {"type": "array", "items": item},
        },
        "required": ["code", "message", "message_en", "field", "errors"],
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in _ERRORS.items():
                responses.setdefault(code, {"description": description, "content": error})
    return result


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "kewei.api.framework.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "服务账号令牌 / a service account's token; scopes: "
            + ", ".join(Scope.values),
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "kewei.api.framework.StaffSession"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "已登录员工的会话（写操作需 CSRF 令牌） / a signed-in staff session",
        }
