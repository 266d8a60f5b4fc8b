"""Request id and data-scope middleware."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.utils import translation

from kewei.core.request_context import client_ip_var, request_id_var
from kewei.core.scope import DataScope, scope_activated

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    """Gives every request an id (or keeps a well-formed ``X-Request-ID`` from the proxy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = request_id
        return response


class DataScopeMiddleware:
    """Activates the signed-in staff member's data scope for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from kewei.organisation.selectors import data_scope_for

        user = request.user
        scope = data_scope_for(user) if user.is_authenticated else DataScope.nothing()
        request.data_scope = scope
        with scope_activated(scope):
            return self.get_response(request)


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user switched language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a counter PC
    with an English browser would show English; a Chinese bank wants Chinese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
