from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kewei.audit.actions import action_label
from kewei.audit.display import change_rows
from kewei.audit.forms import AuditSearchForm
from kewei.audit.models import AuditEvent
from kewei.audit.selectors import audit_search
from kewei.jobs.services import job_start


def _criteria(form: AuditSearchForm) -> dict:
    if not form.is_valid():
        return {}
    return {key: value for key, value in form.cleaned_data.items() if value}


@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    criteria = _criteria(form) if request.GET else {}
    page = Paginator(audit_search(**criteria), 50).get_page(request.GET.get("page"))
    for event in page:
        event.action_label = action_label(event.action)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page_obj": page,
        },
    )


@permission_required("audit.view_auditevent", raise_exception=True)
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(AuditEvent, pk=pk)
    event.action_label = action_label(event.action)
    return render(request, "audit/event_detail.html", {"event": event, "rows": change_rows(event)})


@require_POST
@permission_required("audit.view_auditevent", raise_exception=True)
def event_export(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.POST)
    criteria = {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key, value in _criteria(form).items()
    }
    run = job_start(actor=request.user, kind="audit.export", params=criteria)
    return redirect(run)
