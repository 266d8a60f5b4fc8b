"""gunicorn's configuration for Kewei (``kewei serve``, ``make demo``, docs/operations.md).

Started as ``gunicorn -c python:kewei.core.gunicorn_conf kewei.wsgi:application`` (what
``kewei serve`` runs). Every value comes from the environment, so one file serves every
deployment; a command-line option of gunicorn still wins over it.

Sizing (:func:`web_sizing`): ``KEWEI_WEB_WORKERS`` processes (default 2 × CPUs + 1, at
most 16) of ``KEWEI_WEB_THREADS`` threads each (default 4). A request mostly waits for
the database, so threads serve several at once in one process; processes use every
CPU. Each thread may hold one database connection: workers × threads (+ the job
workers) must stay under PostgreSQL's ``max_connections``.

Prometheus metrics are counted in each worker and added up at scrape time
(prometheus-client's multiprocess mode): the workers write to ``PROMETHEUS_MULTIPROC_DIR``
(a fresh temporary folder when it is not set), emptied when the server starts; a worker
that exits hands back its live gauges (``child_exit``).
"""

from __future__ import annotations

# Imported under underscore names: gunicorn reads this module's public globals as its
# settings.
import os as _os
import shutil as _shutil
import tempfile as _tempfile
from pathlib import Path as _Path

from kewei import env as _env
from kewei.core.logging import logging_config as _logging_config

_MAX_DEFAULT_WORKERS = 16
_DEFAULT_THREADS = 4


def web_sizing(
    cpu_count: int | None, *, workers: int | None = None, threads: int | None = None
) -> tuple[int, int]:
    """(worker processes, threads per worker): the given values when set, otherwise
    2 × CPUs + 1 processes (at most 16) of 4 threads. Both are at least 1."""
    cpus = max(cpu_count or 1, 1)
    chosen_workers = workers if workers else min(2 * cpus + 1, _MAX_DEFAULT_WORKERS)
    chosen_threads = threads if threads else _DEFAULT_THREADS
    if chosen_workers < 1 or chosen_threads < 1:
        raise ValueError("KEWEI_WEB_WORKERS and KEWEI_WEB_THREADS must be at least 1")
    return chosen_workers, chosen_threads


wsgi_app = "kewei.wsgi:application"
bind = _env.str_list("KEWEI_WEB_BIND", ["127.0.0.1:8000"])
workers, threads = web_sizing(
    _os.cpu_count(),
    workers=_env.integer("KEWEI_WEB_WORKERS", 0),
    threads=_env.integer("KEWEI_WEB_THREADS", 0),
)
worker_class = "gthread"
# A request running longer than this is killed (its worker restarted); long work (imports,
# exports, the nightly batch) runs in the job workers, not in a request.
timeout = _env.integer("KEWEI_WEB_TIMEOUT", 60)
# On HUP or TERM, requests in flight get this long to finish.
graceful_timeout = _env.integer("KEWEI_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _env.integer("KEWEI_WEB_KEEPALIVE", 5)
# Each worker is replaced after about this many requests (0: never); the jitter spreads
# the restarts so that the workers do not all restart at once.
max_requests = _env.integer("KEWEI_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = _env.integer("KEWEI_WEB_MAX_REQUESTS_JITTER", 200)
# Requests are logged by Kewei itself (kewei.core.metrics, logger ``kewei.request``), with
# the request id and personal data masked; gunicorn's access log is off.
accesslog = None
errorlog = "-"
loglevel = _env.string("KEWEI_LOG_LEVEL", "INFO").lower()
proxy_protocol = False
# The reverse proxy's address, trusted for X-Forwarded-* (gunicorn's own use of them).
forwarded_allow_ips = _env.string("KEWEI_TRUSTED_PROXIES", "127.0.0.1,::1")
# The request line and headers a bank's proxy may send; larger ones answer 400.
limit_request_line = 8190
limit_request_fields = 100
# gunicorn's control socket (gunicornc) is off unless asked for: two servers on one host
# would share its default path.
control_socket_disable = not _env.boolean("KEWEI_WEB_CONTROL_SOCKET", False)
# A preloaded application would open database connections before forking; each worker
# loads it itself.
preload_app = False
logconfig_dict = _logging_config(
    log_format=_env.string("KEWEI_LOG_FORMAT", "plain"),
    root_level=None,
    loggers={
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
)


def on_starting(server) -> None:
    """Gives the workers their metrics folder, empty: set in the master's environment
    before any worker is forked (a worker's prometheus-client reads it when imported),
    emptied so that counts left by an earlier run do not add up."""
    folder = _os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = _tempfile.mkdtemp(prefix="kewei-metrics-")
        _os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        _os.environ["KEWEI_METRICS_DIR_OWNED"] = folder
    path = _Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for item in path.iterdir():
        if item.is_file() and item.suffix == ".db":
            item.unlink()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    owned = _os.environ.get("KEWEI_METRICS_DIR_OWNED")
    if owned and owned == _os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _shutil.rmtree(owned, ignore_errors=True)
