"""``kewei serve``: the production application server (gunicorn) for Kewei's pages and API.

Runs ``gunicorn -c python:kewei.core.gunicorn_conf kewei.wsgi:application`` in place of
this process (so that the service manager's signals reach gunicorn: HUP reloads the
workers gracefully, TERM stops after the requests in flight). Sizes and addresses come
from the environment (``KEWEI_WEB_WORKERS``, ``KEWEI_WEB_THREADS``, ``KEWEI_WEB_BIND`` ...,
docs/operations.md "Serving"); the options below override them for one run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

GUNICORN_CONFIG = "python:kewei.core.gunicorn_conf"


def gunicorn_argv(
    *, bind: list[str] | None = None, workers: int | None = None, threads: int | None = None
) -> list[str]:
    """The command line that starts Kewei's gunicorn: its config module, then the
    overrides given."""
    argv = [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG]
    for address in bind or []:
        argv += ["--bind", address]
    if workers:
        argv += ["--workers", str(workers)]
    if threads:
        argv += ["--threads", str(threads)]
    return [*argv, "kewei.wsgi:application"]


def static_files_missing() -> bool:
    """True when pages would fail on their static files: the manifest storage serves
    only what ``kewei collectstatic`` wrote (its ``staticfiles.json``)."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if "Manifest" not in backend:
        return False
    return not (Path(settings.STATIC_ROOT) / "staticfiles.json").is_file()


class Command(BaseCommand):
    help = "启动生产应用服务器（gunicorn） / run the production application server (gunicorn)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            action="append",
            help="监听地址 / address to listen on, HOST:PORT (repeatable; KEWEI_WEB_BIND)",
        )
        parser.add_argument(
            "--workers", type=int, help="进程数 / worker processes (KEWEI_WEB_WORKERS)"
        )
        parser.add_argument(
            "--threads", type=int, help="每进程线程数 / threads per worker (KEWEI_WEB_THREADS)"
        )
        parser.add_argument(
            "--print",
            action="store_true",
            dest="print_only",
            help="只显示命令行 / print the gunicorn command line and exit",
        )

    def handle(self, *args, bind, workers, threads, print_only, **options):
        for name, value in (("--workers", workers), ("--threads", threads)):
            if value is not None and value < 1:
                raise CommandError(f"{name} 至少为 1 / {name} must be at least 1")
        argv = gunicorn_argv(bind=bind, workers=workers, threads=threads)
        if print_only:
            self.stdout.write(" ".join(argv))
            return
        if static_files_missing():
            raise CommandError(
                f"静态文件未收集，请先运行 kewei collectstatic --noinput（{settings.STATIC_ROOT}）"
                f" / static files are not collected: run kewei collectstatic --noinput first"
            )
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(argv[0], argv)  # noqa: S606 - our own interpreter, fixed arguments
