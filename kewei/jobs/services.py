"""Starting and running page jobs."""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kewei.core.scope import scope_activated
from kewei.jobs.models import JobRun, JobStatus, JobWorker
from kewei.jobs.registry import get_job
from kewei.jobs.selectors import worker_is_alive

logger = logging.getLogger(__name__)

# The worker process this one is (set by ``kewei worker``): the jobs it claims carry it.
_current_worker_id = ""


def set_current_worker(worker_id: str) -> None:
    global _current_worker_id
    _current_worker_id = worker_id


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
        .update(status=JobStatus.RUNNING, started_at=timezone.now(), worker_id=_current_worker_id)
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


# --- worker processes ----------------------------------------------------------------


def worker_beat(*, worker_id: str) -> None:
    """The worker ``worker_id`` (this process) is alive: its row, created on the first beat."""
    now = timezone.now()
    JobWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "last_seen_at": now},
        create_defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": now,
            "last_seen_at": now,
        },
    )


def worker_forget(*, worker_id: str) -> None:
    """The worker stopped on purpose: it no longer counts as alive."""
    JobWorker.objects.filter(worker_id=worker_id).delete()


def abandoned_message() -> str:
    return _("执行该任务的进程已中止（或与数据库断开），任务未能完成。请重新发起。")


@transaction.atomic
def job_fail_abandoned(*, job_ids: Iterable[Any] | None = None, idle_worker_id: str = "") -> int:
    """Mark failed the running jobs whose worker process is gone, and the task rows those
    workers had claimed; the number of jobs. ``idle_worker_id``: a worker (the caller)
    between two tasks, so whatever is still "running" under it was cut off (by a lost
    database connection) and is abandoned too. ``job_ids`` limits the sweep (a job's page)."""
    running = JobRun.objects.unrestricted().filter(status=JobStatus.RUNNING).exclude(worker_id="")
    if job_ids is not None:
        running = running.filter(pk__in=list(job_ids))
    worker_ids = set(running.values_list("worker_id", flat=True))
    now = timezone.now()
    alive = {
        worker.worker_id
        for worker in JobWorker.objects.filter(worker_id__in=worker_ids)
        if worker_is_alive(worker, now=now)
    }
    dead = worker_ids - alive
    gone = dead | ({idle_worker_id} if idle_worker_id else set())
    if not gone:
        return 0
    failed = 0
    if gone & worker_ids:
        failed = running.filter(worker_id__in=gone).update(
            status=JobStatus.FAILED, finished_at=now, error=abandoned_message()
        )
        logger.warning("%d job(s) of stopped worker(s) %s marked failed", failed, sorted(gone))
    if job_ids is None:
        _fail_cut_off_tasks(gone, now)
    JobWorker.objects.filter(worker_id__in=dead).delete()
    return failed


def _fail_cut_off_tasks(worker_ids: set[str], now) -> None:
    """The task rows (django-tasks-db) last claimed by ``worker_ids`` and still "running"."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    tasks = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids")
    cut_off = [task.id for task in tasks if task.worker_ids and task.worker_ids[-1] in worker_ids]
    if cut_off:
        DBTaskResult.objects.filter(id__in=cut_off).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="builtins.RuntimeError",
            traceback="RuntimeError: the worker process running this task stopped\n",
        )
