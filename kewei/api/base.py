"""The base of every API view, and its pagination (kept apart from
:mod:`kewei.api.framework`, which DRF's settings import before its views exist)."""

from __future__ import annotations

from django.utils import translation
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination

from kewei.api.models import ApiToken
from kewei.core.request_context import api_client_var
from kewei.core.scope import scope_activated


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiView(GenericAPIView):
    """Base of every API view: access, scope, rate limit and errors as
    :mod:`kewei.api.framework` describes."""

    # method: (token scope, staff permission or permissions)
    access: dict[str, tuple[str | None, str | tuple[str, ...] | None]] = {}

    def initial(self, request, *args, **kwargs):
        # Messages are made in Chinese (Kewei's message ids); errors add the English.
        translation.activate("zh-hans")
        super().initial(request, *args, **kwargs)
        from kewei.organisation.selectors import data_scope_for

        self._scope = scope_activated(data_scope_for(request.user))
        self._scope.__enter__()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        self._client = api_client_var.set(f"API {token.label}" if token else "API")

    def finalize_response(self, request, response, *args, **kwargs):
        if getattr(self, "_client", None) is not None:
            api_client_var.reset(self._client)
            self._client = None
        if getattr(self, "_scope", None) is not None:
            self._scope.__exit__(None, None, None)
            self._scope = None
        return super().finalize_response(request, response, *args, **kwargs)

    def principal(self) -> str:
        auth = self.request.auth
        if isinstance(auth, ApiToken):
            return f"token:{auth.pk}"
        return f"staff:{self.request.user.pk}"

    def can(self, scope: str, permission: str) -> bool:
        """Whether the caller has ``permission`` and, with a token, ``scope`` too."""
        auth = self.request.auth
        if isinstance(auth, ApiToken) and scope not in auth.scopes:
            return False
        return self.request.user.has_perm(permission)
