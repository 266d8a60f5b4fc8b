"""The administrators' page of the nightly batch: each night's state, its steps, their
durations, results and errors (系统 → 日终批处理)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kewei.core.models import NightRun, NightStep


@permission_required("core.view_nightrun", raise_exception=True)
def night_run_list(request: HttpRequest) -> HttpResponse:
    runs = NightRun.objects.prefetch_related(
        Prefetch("steps", queryset=NightStep.objects.order_by("position"))
    )
    page = Paginator(runs, 30).get_page(request.GET.get("page"))
    return render(request, "core/night_run_list.html", {"page_obj": page})
