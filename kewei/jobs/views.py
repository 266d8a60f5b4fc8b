from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kewei.jobs.models import JobRun
from kewei.jobs.registry import job_label


def job_list(request: HttpRequest) -> HttpResponse:
    runs = list(JobRun.objects.all()[:50])
    for run in runs:
        run.label = job_label(run.kind)
    return render(request, "jobs/job_list.html", {"runs": runs})


def job_detail(request: HttpRequest, pk) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk)
    run.label = job_label(run.kind)
    template = "jobs/_progress.html" if request.htmx else "jobs/job_detail.html"
    return render(request, template, {"run": run})


def job_download(request: HttpRequest, pk) -> FileResponse:
    run = get_object_or_404(JobRun, pk=pk)
    if not run.result_file:
        raise Http404
    path = (settings.MEDIA_ROOT / run.result_file).resolve()
    if not path.is_relative_to(settings.MEDIA_ROOT.resolve()) or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)
