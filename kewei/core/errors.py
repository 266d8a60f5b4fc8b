"""Error answers that hold when much else does not: bad input (400), no permission
(403), a CSRF failure (403), not found (404), a server error (500) and the database out
of reach (503).

Pages get a Kewei page in the active language (Chinese first) with the way back and the
request id for support, the API (paths under ``KEWEI_API_PREFIX``) its JSON error body.
403, 404 and the CSRF failure are drawn with the request's context (the signed-in
user's menu); 400, 500 and 503 without it: the context processors read the signed-in
user, and so the database, which may be what failed.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kewei.core.bilingual import error_body, error_item

logger = logging.getLogger(__name__)

# The database is out of reach (down, restarting, the connection cut), not a bug.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        403: _("没有权限"),
        404: _("页面不存在"),
        500: _("系统出错"),
        503: _("服务暂时不可用"),
    }


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(settings.KEWEI_API_PREFIX)


def _back_url(request: HttpRequest) -> str:
    """Where 返回上一页 leads without script: the page the user came from when it is one
    of ours (kewei.js goes back in the history instead), else the start page."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return "/"


def error_page(
    request: HttpRequest,
    status: int,
    message: str,
    *,
    title: str = "",
    with_context: bool = False,
) -> HttpResponse:
    """A Kewei error page: what went wrong in the user's words, the way back and home,
    and the request id to quote to support. ``with_context`` draws it with the request's
    context processors (the signed-in user's menu, the language switch); should that
    fail, it is drawn without them, and should that fail too, as plain text."""
    title = title or _titles().get(status, _("系统出错"))
    request_id = getattr(request, "request_id", "")
    context = {
        "status": status,
        "title": title,
        "message": message,
        "request_id": request_id,
        "back_url": "/",
    }
    content, content_type = "", "text/html; charset=utf-8"
    try:
        context["back_url"] = _back_url(request)
        if with_context:
            content = render_to_string("error_page.html", context, request=request)
    except Exception:  # the menu reads the database: draw the page without it
        logger.exception("error page %s could not be drawn with its context", status)
    if not content:
        try:
            content = render_to_string("error_page.html", context)
        except Exception:  # the page must answer even when templates or static files fail
            logger.exception("error page %s could not be drawn", status)
            content, content_type = (
                f"{title} ({status})\n{message}\n{request_id}\n",
                "text/plain; charset=utf-8",
            )
    return HttpResponse(content, status=status, content_type=content_type)


def database_unavailable_message() -> str:
    return _("数据库暂时无法连接，请稍后再试。")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: JSON (``database_unavailable``) for the API, a page else."""
    message = database_unavailable_message()
    if is_api(request):
        item = error_item(None, message, "database_unavailable")
        response = JsonResponse(error_body("database_unavailable", [item]), status=503)
    else:
        response = error_page(request, 503, message)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler400``. The message of a :class:`BadRequest` is Kewei's own (it names the
    parameter) and is shown; other causes (a suspicious operation) get a general one."""
    message = _("请求无法处理。")
    if isinstance(exception, BadRequest) and str(exception):
        message = str(exception)
    if is_api(request):
        item = error_item(None, message, "invalid")
        return JsonResponse(error_body("invalid", [item]), status=400)
    return error_page(request, 400, message)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``, for failures in views and in middleware alike (a session or user
    read in middleware is where a database outage shows first): the database out of
    reach answers 503, anything else 500."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        return database_unavailable(request)
    message = _("系统出现错误，已记录。请稍后再试，或联系系统管理员。")
    if is_api(request):
        item = error_item(None, message, "server_error")
        return JsonResponse(error_body("server_error", [item]), status=500)
    return error_page(request, 500, message)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``. A :class:`PermissionDenied` raised by Kewei carries its reason in
    the active language (``不能复核自己提出的调整。``) and is shown; a bare one (the
    permission decorators) gets a general message."""
    message = str(exception) if exception is not None and str(exception) else ""
    message = message or _("您没有执行此操作的权限。")
    if is_api(request):
        item = error_item(None, message, "forbidden")
        return JsonResponse(error_body("forbidden", [item]), status=403)
    return error_page(request, 403, message, with_context=True)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler404``: an unknown address, or an object outside the user's data scope
    (which answers 404 on purpose). Django's own message (``No Customer matches the given
    query.``) is English and names the model: it is not shown."""
    message = _("未找到，或不在您的数据权限范围内。")
    if is_api(request):
        item = error_item(None, message, "not_found")
        return JsonResponse(error_body("not_found", [item]), status=404)
    return error_page(request, 404, message, with_context=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form posted with a missing or stale security token (the
    page was open too long, the user signed out in another window, cookies are off).
    Going back and posting again works: the form page is drawn again with a new token."""
    # Django has logged the reason (django.security.csrf); it is not for the user.
    message = _("表单已过期或安全校验未通过，请返回上一页，刷新后重新提交。")
    if is_api(request):
        item = error_item(None, message, "csrf_failed")
        return JsonResponse(error_body("csrf_failed", [item]), status=403)
    return error_page(request, 403, message, title=_("表单已失效"), with_context=True)
