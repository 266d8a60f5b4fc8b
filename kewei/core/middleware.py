"""Request id, bad-input, security-header, data-scope and locale middleware."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from kewei.core.bilingual import error_body, error_item
from kewei.core.errors import error_page
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
    """A NUL character in the path, the query string or a form post's fields is bad
    input (400), for every page and API endpoint: no database compares it (PostgreSQL
    refuses it outright, a server error), and a field read outside a form (a saved
    search's name, an event's guest number) has no validator to refuse it. Only form
    posts are read here (urlencoded and multipart: text fields and file names; an
    uploaded file's content stays where the upload handlers put it); a JSON body is
    checked by the API's text fields. The API (its paths under ``KEWEI_API_PREFIX``)
    answers in its JSON, pages with a short page naming the field."""

    FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in self._given(request):
            if "\x00" in name or "\x00" in value:
                return self._refuse(request, name.replace("\x00", ""))
        return self.get_response(request)

    def _given(self, request):
        yield "path", request.path
        for name, values in request.GET.lists():
            for value in values:
                yield name, value
        # Django parses form posts only (and once: CSRF and the view read the same data).
        if request.method != "POST" or request.content_type not in self.FORM_TYPES:
            return
        try:
            request.POST  # noqa: B018 - parses the body
        except OSError:  # the client went away mid-upload: nothing to check, as before
            return
        for name, values in request.POST.lists():
            for value in values:
                yield name, value
        for name, files in request.FILES.lists():
            for upload in files:
                yield name, upload.name or ""

    @staticmethod
    def _refuse(request, field: str):
        message = _("不能包含空字符（NUL）。")
        if request.path.startswith(settings.KEWEI_API_PREFIX):
            item = error_item(field, message, "null_character")
            return JsonResponse(error_body("null_character", [item]), status=400)
        return error_page(
            request, 400, _("%(field)s：%(message)s") % {"field": field, "message": message}
        )


class SecurityHeadersMiddleware:
    """Headers every answer of the application carries (static files, under
    ``STATIC_URL`` and served by WhiteNoise, keep their long caching):

    - ``Cache-Control: no-store``: pages, downloads and API answers hold personal data or
      depend on who asks, so no browser or proxy keeps them (``KEWEI_CACHE_CONTROL``);
    - ``Content-Security-Policy`` (``KEWEI_CONTENT_SECURITY_POLICY``): scripts, styles
      and images from the application itself only, no inline script, no framing;
    - ``Permissions-Policy`` (``KEWEI_PERMISSIONS_POLICY``): no camera, microphone,
      location, payment or USB for any page.

    A header the view set itself is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = {
            "Cache-Control": settings.KEWEI_CACHE_CONTROL,
            "Content-Security-Policy": settings.KEWEI_CONTENT_SECURITY_POLICY,
            "Permissions-Policy": settings.KEWEI_PERMISSIONS_POLICY,
        }

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        for name, value in self.headers.items():
            if value:
                response.headers.setdefault(name, value)
        return response


class DataScopeMiddleware:
    """Activates the signed-in staff member's data scope for the whole request: one scope
    object a request, so what it resolves (its subtrees' departments) is looked up once."""

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
        # For this request only: the thread (a server's, a test's) goes back to the
        # language it had, so one English request does not leave English behind.
        with translation.override(chosen):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
