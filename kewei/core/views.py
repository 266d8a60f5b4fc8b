"""Sign-in, the home page and small shared views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kewei.core.night import night_readiness
from kewei.core.registry import Registry
from kewei.organisation.models import Staff
from kewei.organisation.roles import Role
from kewei.organisation.services import staff_set_password


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("登录名或密码不正确。"),
        "locked": gettext_lazy("账户已锁定，请于 %(until)s 后再试，或联系系统管理员解锁。"),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            username = self.cleaned_data.get("username")
            locked = (
                Staff.objects.unrestricted()
                .filter(username=username, locked_until__gt=timezone.now())
                .values_list("locked_until", flat=True)
                .first()
            )
            if locked is not None:
                until = date_format(timezone.localtime(locked), "DATETIME_FORMAT")
                raise ValidationError(
                    self.error_messages["locked"], code="locked", params={"until": until}
                ) from None
            raise


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = "/"

    def form_valid(self, form):
        staff_set_password(
            actor=self.request.user,
            staff=self.request.user,
            password=form.cleaned_data["new_password1"],
            own=True,
        )
        form.user.refresh_from_db()
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("密码已修改。"))
        return redirect(self.success_url)


# Apps whose page is some users' real start page register it here: (who, url name),
# named by the url name. The first one that applies replaces the generic home page.
START_PAGES: Registry[tuple[Callable[[Staff], bool], str]] = Registry("start page")


def register_start_page(url_name: str, applies: Callable[[Staff], bool]) -> None:
    """``url_name`` is the start page of the staff for whom ``applies(staff)`` holds."""
    START_PAGES.add(url_name, (applies, url_name))


def home(request: HttpRequest) -> HttpResponse:
    for applies, url_name in START_PAGES.entries():
        if applies(request.user):
            return redirect(url_name)
    roles = [Role(code).label for code in sorted(request.user.role_codes) if code in Role.values]
    return render(request, "home.html", {"roles": roles, "today": timezone.localdate()})


@login_not_required
def health(request: HttpRequest) -> JsonResponse:
    """Liveness for the bank's monitoring: the process answers and the database responds."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": connection.vendor}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _database_check() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _migrations_check() -> dict[str, Any]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    pending = sorted(f"{migration.app_label}.{migration.name}" for migration, _backwards in plan)
    return {"ok": not pending, "pending": pending}


def _workers_check() -> dict[str, Any]:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    from kewei.jobs.selectors import workers_alive

    # Jobs queued in the database need a worker; other backends run them elsewhere.
    queued = isinstance(task_backends["default"], DatabaseBackend)
    needed = settings.KEWEI_READY_MIN_WORKERS if queued else 0
    alive = workers_alive()
    return {
        "ok": len(alive) >= needed,
        "alive": len(alive),
        "needed": needed,
        "stale_after_seconds": settings.KEWEI_WORKER_STALE_SECONDS,
        "last_seen": max((w.last_seen_at for w in alive), default=None),
    }


@login_not_required
def readiness(request: HttpRequest) -> JsonResponse:
    """Readiness for the load balancer and monitoring (docs/operations.md): the database
    answers, every migration is applied, enough job workers are alive, the last nightly
    batch finished (kewei.core.night.night_readiness). 200 when all
    hold, 503 otherwise; the body says which check failed."""
    checks: dict[str, dict[str, Any]] = {"database": _database_check()}
    if checks["database"]["ok"]:
        try:
            checks["migrations"] = _migrations_check()
            checks["workers"] = _workers_check()
            checks["night"] = night_readiness()
        except DatabaseError as error:
            checks["database"] = {
                "ok": False,
                "vendor": connection.vendor,
                "error": type(error).__name__,
            }
    for name in ("migrations", "workers", "night"):
        checks.setdefault(name, {"ok": False, "error": "database_unavailable"})
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )
