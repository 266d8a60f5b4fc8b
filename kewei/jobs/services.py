"""Starting and running page jobs."""

from __future__ import annotations

import logging
import time
import traceback
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kewei.core.scope import scope_activated
from kewei.jobs.models import JobRun, JobStatus
from kewei.jobs.registry import get_job

logger = logging.getLogger(__name__)


class StoredProgress:
    """Progress written to the job's row, at most every half second, for the page to poll."""

    def __init__(self, job_id, interval: float = 0.5) -> None:
        self.job_id = job_id
        self.interval = interval
        self.total = 0
        self.done = 0
        self._last_write = 0.0

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_write >= self.interval:
            JobRun.objects.unrestricted().filter(pk=self.job_id).update(
                total=self.total, done=self.done
            )
            self._last_write = now

    def start(self, total: int, description: str = "") -> None:
        self.total, self.done = total, 0
        self._write(force=True)

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        self._write()

    def finish(self, summary: str) -> None:
        self._write(force=True)


@transaction.atomic
def job_start(*, actor, kind: str, params: dict[str, Any]) -> JobRun:
    """Record a job and queue it once the surrounding transaction commits."""
    get_job(kind)  # refuse unknown kinds before anything is written
    run = JobRun(kind=kind, params=params, started_by=actor)
    run.save(force_insert=True)
    from kewei.jobs.tasks import run_job

    transaction.on_commit(lambda: run_job.enqueue(str(run.pk)))
    return run


def job_execute(job_id: str) -> None:
    """Run a queued job under the data scope of the person who started it. Idempotent:
    a job that is no longer queued is left alone."""
    from kewei.organisation.selectors import data_scope_for

    claimed = (
        JobRun.objects.unrestricted()
        .filter(pk=job_id, status=JobStatus.QUEUED)
        .update(status=JobStatus.RUNNING, started_at=timezone.now())
    )
    if not claimed:
        return
    run = JobRun.objects.unrestricted().select_related("started_by__department").get(pk=job_id)
    definition = get_job(run.kind)
    progress = StoredProgress(run.pk)
    try:
        with scope_activated(data_scope_for(run.started_by)):
            outcome = definition.function(actor=run.started_by, progress=progress, **run.params)
    except Exception as error:
        logger.exception("job %s (%s) failed", run.pk, run.kind)
        JobRun.objects.unrestricted().filter(pk=run.pk).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=f"{error}\n\n{traceback.format_exc(limit=5)}" if settings.DEBUG else str(error),
        )
        return
    result = ""
    if outcome.result_file is not None:
        result = str(outcome.result_file.relative_to(settings.MEDIA_ROOT))
    JobRun.objects.unrestricted().filter(pk=run.pk).update(
        status=JobStatus.SUCCEEDED,
        finished_at=timezone.now(),
        summary=outcome.summary,
        result_file=result,
        result=outcome.data or {},
        done=progress.done,
        total=max(progress.total, progress.done),
    )
