"""The job worker survives a database outage, says it is alive, and fails the jobs of
workers that are gone; the readiness check reports database, migrations and workers."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import subprocess

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kewei.jobs.models import JobRun, JobStatus, JobWorker
from kewei.jobs.services import job_fail_abandoned, job_start
from kewei.jobs.tests.test_jobs import _count_departments  # noqa: F401 - registers the job
from kewei.jobs.worker import RetryingWorker, retry_delay

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "batch"]}
}
ABANDONED = "执行该任务的进程已中止（或与数据库断开），任务未能完成。请重新发起。"


def _dead_pid() -> int:
    """The id of a process of this host that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _worker_row(worker_id: str, *, hostname: str | None = None, pid: int | None = None, age=0):
    seen = timezone.now() - dt.timedelta(seconds=age)
    return JobWorker.objects.create(
        worker_id=worker_id,
        hostname=hostname or socket.gethostname(),
        pid=pid if pid is not None else os.getpid(),
        started_at=seen,
        last_seen_at=seen,
    )


def _running(bank, worker_id: str) -> JobRun:
    return JobRun.objects.create(
        kind="test.count_departments",
        started_by=bank.admin,
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        worker_id=worker_id,
    )


def _worker(**options) -> RetryingWorker:
    defaults = dict(
        queue_names=["default", "batch"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
        retry_first=0.01,
        retry_max=0.05,
        heartbeat_every=0,
        sweep_every=3600,
        heartbeat_thread=False,
    )
    return RetryingWorker(**{**defaults, **options})


# --- the sweep of abandoned jobs ----------------------------------------------------------


def test_the_sweep_fails_the_jobs_of_dead_workers_and_leaves_live_ones(bank):
    # given
    _worker_row("dead-here", pid=_dead_pid())
    _worker_row("alive-here")
    _worker_row("stale-elsewhere", hostname="worker-host-2", pid=1, age=600)
    _worker_row("fresh-elsewhere", hostname="worker-host-2", pid=2, age=5)
    dead_here = _running(bank, "dead-here")
    alive_here = _running(bank, "alive-here")
    stale = _running(bank, "stale-elsewhere")
    fresh = _running(bank, "fresh-elsewhere")
    never_seen = _running(bank, "never-registered")
    # when
    failed = job_fail_abandoned()
    # then
    assert failed == 3
    statuses = {run.pk: (run.status, run.error) for run in JobRun.objects.all()}
    assert statuses == {
        dead_here.pk: (JobStatus.FAILED, ABANDONED),
        alive_here.pk: (JobStatus.RUNNING, ""),
        stale.pk: (JobStatus.FAILED, ABANDONED),
        fresh.pk: (JobStatus.RUNNING, ""),
        never_seen.pk: (JobStatus.FAILED, ABANDONED),
    }
    assert JobRun.objects.get(pk=dead_here.pk).finished_at is not None
    assert set(JobWorker.objects.values_list("worker_id", flat=True)) == {
        "alive-here",
        "fresh-elsewhere",
    }


def test_viewing_a_job_whose_worker_died_shows_it_failed(client, bank):
    # given
    _worker_row("dead-here", pid=_dead_pid())
    run = JobRun.objects.create(
        kind="test.count_departments",
        started_by=bank.auditor,
        status=JobStatus.RUNNING,
        worker_id="dead-here",
    )
    client.force_login(bank.auditor)
    # when
    page = client.get(reverse("jobs:job_detail", args=[run.pk])).content.decode()
    # then
    assert ABANDONED in page
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.FAILED


def test_a_worker_between_tasks_fails_its_own_cut_off_job(bank):
    # given: the worker lost the database in the middle of this job
    _worker_row("test-worker")
    cut_off = _running(bank, "test-worker")
    # when
    job_fail_abandoned(idle_worker_id="test-worker")
    # then
    assert JobRun.objects.get(pk=cut_off.pk).status == JobStatus.FAILED
    assert JobWorker.objects.filter(worker_id="test-worker").exists()


# --- the worker loop ----------------------------------------------------------------------


def test_retry_waits_double_up_to_the_cap():
    delays = [retry_delay(n, first=1, cap=60) for n in range(1, 9)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]


# The loop closes and reopens connections as a worker does: outside a test transaction.
@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_runs_a_queued_job_and_records_itself(bank):
    # given
    run = job_start(actor=bank.admin, kind="test.count_departments", params={})
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.QUEUED
    worker = _worker()
    # when
    worker.run(iterations=2)
    # then
    run.refresh_from_db()
    assert (run.status, run.worker_id) == (JobStatus.SUCCEEDED, "test-worker")
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert not JobWorker.objects.exists()  # a worker that stops forgets its heartbeat


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_waits_and_carries_on_when_the_database_fails(bank, monkeypatch, caplog):
    # given: the first two passes find the database gone
    worker = _worker()
    passes = {"n": 0}
    real = worker.housekeeping

    def housekeeping():
        passes["n"] += 1
        if passes["n"] <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        real()

    monkeypatch.setattr(worker, "housekeeping", housekeeping)
    run = job_start(actor=bank.admin, kind="test.count_departments", params={})
    # when
    with caplog.at_level(logging.ERROR, logger="kewei.jobs.worker"):
        worker.run(iterations=4)
    # then
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.SUCCEEDED
    lost = [r.getMessage() for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(lost) == 2
    assert "retry 2 in 0.0 s" in lost[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_reconnects_after_postgresql_cut_its_connection(bank, caplog, settings):
    """No fake: another session terminates the worker's backend between two passes."""
    import psycopg

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.TASKS = DATABASE_TASKS
    worker = _worker()
    worker.run(iterations=1)  # connected, idle
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    # when: the next pass finds the connection cut, waits, reconnects
    with caplog.at_level(logging.ERROR, logger="kewei.jobs.worker"):
        worker.run(iterations=1)
    run = job_start(actor=bank.admin, kind="test.count_departments", params={})
    worker.run(iterations=2)
    # then
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.SUCCEEDED


# --- readiness ----------------------------------------------------------------------------


def test_readiness_reports_a_missing_worker(client):
    # given: jobs queue in the database and no worker runs
    with override_settings(TASKS=DATABASE_TASKS):
        # when
        answer = client.get("/readyz")
    # then
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "pending": []}
    assert body["checks"]["workers"]["ok"] is False
    assert body["checks"]["workers"]["alive"] == 0


def test_readiness_is_ready_with_a_live_worker_and_needs_no_sign_in(client):
    # given
    _worker_row("alive-here")
    with override_settings(TASKS=DATABASE_TASKS):
        # when
        answer = client.get("/readyz")
    # then
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ready"
    assert (body["checks"]["workers"]["alive"], body["checks"]["workers"]["needed"]) == (1, 1)


def test_readiness_reports_the_database_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert checks["database"] == {
        "ok": False,
        "vendor": connection.vendor,
        "error": "OperationalError",
    }
    assert checks["workers"] == {"ok": False, "error": "database_unavailable"}


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_the_worker_command_runs_every_queue_and_exits_in_batch_mode(bank):
    # given
    run = job_start(actor=bank.admin, kind="test.count_departments", params={})
    # when
    call_command(
        "worker",
        "--batch",
        "--no-startup-delay",
        "--interval",
        "0",
        "--worker-id",
        "cmd-1",
        verbosity=0,
    )
    # then
    run.refresh_from_db()
    assert (run.status, run.worker_id) == (JobStatus.SUCCEEDED, "cmd-1")
