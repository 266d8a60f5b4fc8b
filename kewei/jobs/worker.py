"""The background-job worker (``kewei worker``): django-tasks-db's database worker that
outlives a database outage and says it is alive.

Upstream's ``db_worker`` exits on the first database error that is not a lock, so a
PostgreSQL restart leaves no worker and every job queued after it waits for ever. This
one, on a lost database (``OperationalError``/``InterfaceError``), logs one line, closes
its connections, waits with exponential back-off (``KEWEI_WORKER_RETRY_FIRST_SECONDS``
doubling up to ``KEWEI_WORKER_RETRY_MAX_SECONDS``) and carries on. A heartbeat thread
keeps its ``JobWorker`` row fresh (also while a long job runs), and between tasks it
fails the jobs of workers that are gone (``services.job_fail_abandoned``): at start-up
and every ``KEWEI_WORKER_SWEEP_SECONDS``.
"""

from __future__ import annotations

import logging
import random
import threading
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from kewei.core.errors import DATABASE_DOWN
from kewei.jobs import services

logger = logging.getLogger(__name__)


def retry_delay(failures: int, *, first: float, cap: float) -> float:
    """Seconds to wait after the ``failures``-th failure in a row: first, 2×, 4× ... cap."""
    return min(cap, first * 2 ** max(0, failures - 1))


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat every ``every`` seconds on its own connection, so a
    job that runs for an hour does not make its worker look dead."""

    def __init__(self, worker_id: str, every: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        failing = False
        try:
            while not self.stopped.wait(self.every):
                try:
                    close_old_connections()
                    services.worker_beat(worker_id=self.worker_id)
                    failing = False
                except DatabaseError as error:
                    if not failing:
                        logger.warning("worker %s: heartbeat failed: %s", self.worker_id, error)
                    failing = True
                    connection.close()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()


class RetryingWorker(Worker):
    """django-tasks-db's worker loop, one pass at a time, that survives the database."""

    def __init__(
        self,
        *,
        retry_first: float | None = None,
        retry_max: float | None = None,
        heartbeat_every: float | None = None,
        sweep_every: float | None = None,
        heartbeat_thread: bool = True,
        **options,
    ) -> None:
        super().__init__(**options)
        self.retry_first = (
            retry_first if retry_first is not None else settings.KEWEI_WORKER_RETRY_FIRST_SECONDS
        )
        self.retry_max = (
            retry_max if retry_max is not None else settings.KEWEI_WORKER_RETRY_MAX_SECONDS
        )
        self.heartbeat_every = (
            heartbeat_every
            if heartbeat_every is not None
            else settings.KEWEI_WORKER_HEARTBEAT_SECONDS
        )
        self.sweep_every = (
            sweep_every if sweep_every is not None else settings.KEWEI_WORKER_SWEEP_SECONDS
        )
        self.heartbeat_thread = heartbeat_thread
        self.failures = 0
        self._last_beat = float("-inf")
        self._last_sweep = float("-inf")

    def run(self, iterations: int | None = None) -> None:
        """Run until stopped (``--batch``, ``--max-tasks``, a signal) or, for tests, for
        ``iterations`` passes."""
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        services.set_current_worker(self.worker_id)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads the start of many workers
        heartbeat = (
            Heartbeat(self.worker_id, self.heartbeat_every) if self.heartbeat_thread else None
        )
        if heartbeat is not None:
            heartbeat.start()
        try:
            while self.running and (iterations is None or iterations > 0):
                if iterations is not None:
                    iterations -= 1
                try:
                    finished = self.run_once()
                except DATABASE_DOWN as error:
                    self.database_lost(error)
                    continue
                if self.failures:
                    logger.warning("worker %s: database reachable again", self.worker_id)
                    self.failures = 0
                if finished:
                    return
        finally:
            if heartbeat is not None:
                heartbeat.stop()
            self.forget()
            services.set_current_worker("")

    def run_once(self) -> bool:
        """One pass of upstream's loop: housekeeping, claim and run one task, or wait.
        True when the worker should stop (``--batch`` with nothing left, ``--max-tasks``)."""
        close_old_connections()
        self.housekeeping()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            try:
                task_result = tasks.get_locked()
                retrieved = True
                if task_result is not None:
                    task_result.claim(self.worker_id)
            except DATABASE_DOWN as error:
                if not is_locked_database_exception(error):
                    raise
                task_result, retrieved = None, False  # a locked SQLite file: try again
        if task_result is not None:
            self.run_task(task_result)
        if self.batch and retrieved and task_result is None:
            logger.info("No more tasks to run for worker_id=%s - exiting.", self.worker_id)
            return True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Ran %d tasks on worker_id=%s - exiting.", self._run_tasks, self.worker_id)
            return True
        close_old_connections()
        if self.running and task_result is None:
            time.sleep(self.interval)
        return False

    def housekeeping(self) -> None:
        """Between two tasks: the heartbeat (without its thread) and the sweep of
        abandoned jobs, each when it is due."""
        now = time.monotonic()
        if not self.heartbeat_thread and now - self._last_beat >= self.heartbeat_every:
            services.worker_beat(worker_id=self.worker_id)
            self._last_beat = now
        if now - self._last_sweep >= self.sweep_every:
            if self.heartbeat_thread and self._last_sweep == float("-inf"):
                services.worker_beat(worker_id=self.worker_id)  # alive before the first sweep
            services.job_fail_abandoned(idle_worker_id=self.worker_id)
            self._last_sweep = now

    def database_lost(self, error: Exception) -> None:
        self.failures += 1
        delay = retry_delay(self.failures, first=self.retry_first, cap=self.retry_max)
        logger.error(
            "worker %s: database unavailable (%s: %s); retry %d in %.1f s",
            self.worker_id,
            type(error).__name__,
            str(error).strip().splitlines()[0] if str(error).strip() else "",
            self.failures,
            delay,
        )
        connections.close_all()
        # A job cut off by the outage is failed by the first sweep once the database is
        # back (the job is "running" under this worker while it runs none).
        self._last_sweep = float("-inf")
        time.sleep(delay)

    def forget(self) -> None:
        try:
            services.worker_forget(worker_id=self.worker_id)
        except DatabaseError:
            logger.warning("worker %s: could not remove its heartbeat row", self.worker_id)
