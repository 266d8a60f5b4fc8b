"""Prometheus metrics (prometheus-client) and the request log line.

- :class:`RequestMetricsMiddleware` counts every request by view (the URL resolver's view
  name, never the URL: URLs carry ids), times it, counts server errors, and logs one
  line a request on the logger ``kewei.request`` (a JSON object with
  ``KEWEI_LOG_FORMAT=json``).
- :func:`metrics_view` answers ``GET /metrics`` in Prometheus' text format: the request
  metrics of every gunicorn worker (multiprocess mode, kewei.core.gunicorn_conf), and,
  read from the database at scrape time, the job queue (django-tasks-db) and the last
  nightly batch's steps. It answers only a client in ``KEWEI_METRICS_ALLOWED_IPS`` that
  did not come through the reverse proxy, or one giving ``KEWEI_METRICS_TOKEN``;
  anyone else gets the plain 404 of a page that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import time
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

request_logger = logging.getLogger("kewei.request")

UNRESOLVED = "<unresolved>"

REQUESTS = Counter(
    "kewei_http_requests",
    "Requests answered, by view, method and status / 按视图、方法、状态统计的请求数",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "kewei_http_request_duration_seconds",
    "Time to answer a request, by view / 按视图统计的响应时间",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0),
)
SERVER_ERRORS = Counter(
    "kewei_http_server_errors",
    "Answers with a 5xx status, by view / 按视图统计的服务器错误数",
    ["view"],
)


def view_name(request: HttpRequest) -> str:
    """The resolver's name of the view that answered (``care:my_day``, ``customer_search``),
    its dotted path when the URL has no name, or ``<unresolved>`` (no URL matched)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNRESOLVED
    return match.view_name or match._func_path


class RequestMetricsMiddleware:
    """Counts and times every request but static files, and logs it (``kewei.request``,
    INFO): request id, user, view, method, status, duration. The path is not logged: a
    query string may hold what was searched for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_name(request)
        status = response.status_code
        REQUESTS.labels(view=view, method=request.method, status=str(status)).inc()
        LATENCY.labels(view=view).observe(elapsed)
        if status >= 500:
            SERVER_ERRORS.labels(view=view).inc()
        user = getattr(request, "user", None)
        request_logger.info(
            "%s %s %s %.1fms",
            request.method,
            view,
            status,
            elapsed * 1000,
            extra={
                "view": view,
                "method": request.method,
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "user": user.get_username() if user is not None and user.is_authenticated else None,
            },
        )
        return response


_NUMBER = re.compile(r"\d[\d,]*")


def _first_number(summary: str) -> int | None:
    match = _NUMBER.search(summary or "")
    return int(match.group().replace(",", "")) if match else None


class DatabaseCollector:
    """What the database says at scrape time: jobs waiting and running by queue, the age
    of the oldest waiting job, live job workers, and the steps of the last nightly
    batch (日终批处理) that ran: each step's duration, rows and state."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._jobs()
        yield from self._nights()

    def _jobs(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count, Min
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from kewei.jobs.selectors import workers_alive

        now = timezone.now()
        queued = GaugeMetricFamily(
            "kewei_jobs_queued", "Jobs waiting to run / 待运行任务数", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "kewei_jobs_oldest_queued_age_seconds",
            "Age of the oldest waiting job / 最早待运行任务的等待时间",
            labels=["queue"],
        )
        running = GaugeMetricFamily(
            "kewei_jobs_running", "Jobs running / 运行中任务数", labels=["queue"]
        )
        waiting = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            .values("queue_name")
            .annotate(count=Count("id"), first=Min("enqueued_at"))
        )
        by_queue = {row["queue_name"]: row for row in waiting}
        in_progress = dict(
            DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
            .values("queue_name")
            .annotate(count=Count("id"))
            .values_list("queue_name", "count")
        )
        queues = settings.TASKS["default"].get("QUEUES") or ["default"]
        for queue in sorted({*queues, *by_queue, *in_progress}):
            row = by_queue.get(queue)
            queued.add_metric([queue], row["count"] if row else 0)
            age = (now - row["first"]).total_seconds() if row and row["first"] else 0
            oldest.add_metric([queue], max(age, 0))
            running.add_metric([queue], in_progress.get(queue, 0))
        yield queued
        yield oldest
        yield running
        workers = GaugeMetricFamily(
            "kewei_job_workers_alive", "Live kewei worker processes / 存活的任务进程数"
        )
        workers.add_metric([], len(workers_alive()))
        yield workers

    def _nights(self) -> Iterator[GaugeMetricFamily]:
        try:
            from kewei.core.models import NightRun
        except ImportError:  # no record of the nights in this version
            return
        run = NightRun.objects.exclude(state="running").order_by("-started_at", "-pk").first()
        finished = GaugeMetricFamily(
            "kewei_nightly_finished_timestamp_seconds",
            "When the last nightly batch that ended finished (Unix time)"
            " / 最近一次日终批处理结束时间",
            labels=["day", "state"],
        )
        duration = GaugeMetricFamily(
            "kewei_nightly_step_duration_seconds",
            "Duration of each step of the last nightly batch / 最近一次日终批处理各步骤耗时",
            labels=["step", "state"],
        )
        rows = GaugeMetricFamily(
            "kewei_nightly_step_rows",
            "Rows of each step of the last nightly batch (its summary's first number)"
            " / 最近一次日终批处理各步骤行数",
            labels=["step"],
        )
        if run is not None:
            if run.finished_at:
                finished.add_metric([run.day.isoformat(), run.state], run.finished_at.timestamp())
            for step in run.steps.all():
                if step.finished_at:
                    seconds = (step.finished_at - step.started_at).total_seconds()
                    duration.add_metric([step.name, step.state], seconds)
                count = _first_number(step.summary)
                if count is not None:
                    rows.add_metric([step.name], count)
        yield finished
        yield duration
        yield rows


def _client_allowed(request: HttpRequest) -> bool:
    token = settings.KEWEI_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    # Through the reverse proxy, the peer is the proxy: its address proves nothing.
    if "X-Forwarded-For" in request.headers or "X-Real-IP" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for allowed in settings.KEWEI_METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def exposition() -> bytes:
    """Every metric in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        processes = generate_latest(registry)
    else:
        processes = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return processes + generate_latest(database)


@login_not_required
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _client_allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
