from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from kewei.jobs.models import JobRun, JobStatus
from kewei.jobs.registry import job_label
from kewei.jobs.services import job_fail_abandoned


def _fail_abandoned(runs: list[JobRun]) -> None:
    """A job shown as running whose worker process is gone is failed first (and shown so)."""
    running = [run.pk for run in runs if run.status == JobStatus.RUNNING and run.worker_id]
    if running and job_fail_abandoned(job_ids=running):
        fresh = {run.pk: run for run in JobRun.objects.filter(pk__in=running)}
        for run in runs:
            if run.pk in fresh:
                run.status, run.error = fresh[run.pk].status, fresh[run.pk].error
                run.finished_at = fresh[run.pk].finished_at


def job_list(request: HttpRequest) -> HttpResponse:
    runs = list(JobRun.objects.all()[:50])
    _fail_abandoned(runs)
    for run in runs:
        run.label = job_label(run.kind)
    return render(request, "jobs/job_list.html", {"runs": runs})


def job_detail(request: HttpRequest, pk) -> HttpResponse:
    run = get_object_or_404(JobRun, pk=pk)
    _fail_abandoned([run])
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
