"""Request id and data-scope middleware."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from kewei.core.bilingual import error_body, error_item
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


class RefuseNulMiddleware:
    """A NUL character in the path or the query string is bad input (400), for every
    page and API endpoint: no database compares it (PostgreSQL refuses it outright, a
    server error). Form and JSON bodies are checked by their text fields, which refuse
    it already. The API (its paths under ``KEWEI_API_PREFIX``) answers in its JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = [("path", request.path)]
        given += [(name, value) for name, values in request.GET.lists() for value in values]
        for name, value in given:
            if "\x00" in name or "\x00" in value:
                return self._refuse(request, name.replace("\x00", ""))
        return self.get_response(request)

    @staticmethod
    def _refuse(request, field: str):
        message = _("不能包含空字符（NUL）。")
        if request.path.startswith(settings.KEWEI_API_PREFIX):
            item = error_item(field, message, "null_character")
            return JsonResponse(error_body("null_character", [item]), status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


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
