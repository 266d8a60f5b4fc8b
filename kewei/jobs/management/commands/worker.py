"""``kewei worker``: run background jobs, through database outages (see kewei.jobs.worker).

Takes every option of django-tasks-db's ``db_worker`` (queues, interval, batch, max
tasks, worker id), which it replaces: upstream's command exits on the first lost
database connection.
"""

from __future__ import annotations

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from kewei.jobs.worker import RetryingWorker


class Command(db_worker.Command):
    help = (
        "运行后台任务进程（数据库中断后自动重连） / run the background-job worker "
        "(reconnects after a database outage)"
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        # Every queue unless told otherwise: page jobs go to "batch", not to "default".
        parser.set_defaults(queue_name="*")

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        excluded = exclude_queues.split(",") if exclude_queues else []
        queue_names = queue_name.split(",")
        if excluded and "*" not in queue_names:
            raise db_worker.CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = RetryingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
