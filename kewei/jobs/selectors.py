"""Reads of the jobs app: which worker processes are alive."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.conf import settings
from django.utils import timezone

from kewei.jobs.models import JobWorker


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def worker_is_alive(worker: JobWorker, *, now: dt.datetime | None = None) -> bool:
    """A worker on this host is alive while its process exists (a long SQLite write can
    hold up its heartbeat, not its process); one on another host while its heartbeat is
    younger than ``KEWEI_WORKER_STALE_SECONDS``."""
    if worker.hostname == socket.gethostname():
        return _process_exists(worker.pid)
    now = now or timezone.now()
    stale_after = dt.timedelta(seconds=settings.KEWEI_WORKER_STALE_SECONDS)
    return now - worker.last_seen_at <= stale_after


def workers_alive() -> list[JobWorker]:
    """The worker processes alive now (the readiness check's count)."""
    now = timezone.now()
    return [worker for worker in JobWorker.objects.all() if worker_is_alive(worker, now=now)]
